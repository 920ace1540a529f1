//! HTTP routes: `GET /api/v2/{public|private}/<method>?<query>` and JSON-RPC `POST /api/v2`.
//! Every call goes through [`serve`]: delay, maintenance, storm, credits, injected errors, the
//! method, then body faults.

use std::cell::Cell;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::Value;

use super::ServerState;
use super::envelope::Envelope;
use super::error::RpcError;
use super::faults::{BodyFault, Plan};
use super::methods::{self, Ctx};
use super::params::Params;
use super::stats::Stats;

/// One call, from either transport.
struct Call {
    /// `public` or `private`.
    scope: String,
    method: String,
    params: Params,
    /// Arrived under `/history` (the simulator playing history.deribit.com).
    history: bool,
}

pub fn build(state: Arc<ServerState>) -> Router {
    Router::new()
        .route("/api/v2/{scope}/{method}", get(handle_get))
        .route("/api/v2", post(handle_post))
        .route("/api/v2/", post(handle_post))
        // The same API playing history.deribit.com (`--history-url http://HOST:PORT/history`).
        .route("/history/api/v2/{scope}/{method}", get(handle_get_history))
        .route("/history/api/v2", post(handle_post_history))
        .route("/history/api/v2/", post(handle_post_history))
        .with_state(state)
}

fn envelope(st: &ServerState, id: Option<String>) -> Envelope {
    Envelope {
        id,
        us_in: st.market.clock().now_us(),
        received: Instant::now(),
    }
}

async fn handle_get(
    State(st): State<Arc<ServerState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((scope, method)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    get_call(&st, peer, scope, method, query, false).await
}

async fn handle_get_history(
    State(st): State<Arc<ServerState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((scope, method)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    get_call(&st, peer, scope, method, query, true).await
}

async fn get_call(
    st: &ServerState,
    peer: SocketAddr,
    scope: String,
    method: String,
    query: Option<String>,
    history: bool,
) -> Response {
    let env = envelope(st, None);
    let call = Call {
        scope,
        method,
        params: Params::from_query(query.as_deref().unwrap_or("")),
        history,
    };
    serve(st, peer.ip(), env, Ok(call)).await
}

#[derive(serde::Deserialize)]
struct RpcRequest {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    params: Option<Value>,
}

async fn handle_post(
    State(st): State<Arc<ServerState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    post_call(&st, peer, body, false).await
}

async fn handle_post_history(
    State(st): State<Arc<ServerState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    post_call(&st, peer, body, true).await
}

async fn post_call(st: &ServerState, peer: SocketAddr, body: Bytes, history: bool) -> Response {
    let parsed: Result<RpcRequest, _> = serde_json::from_slice(&body);
    let (id, call) = match parsed {
        Err(_) => (None, Err(RpcError::parse_error())),
        Ok(req) => {
            let id = req.id.as_ref().map(|v| v.to_string());
            let call = match req.method {
                None => Err(RpcError::invalid_request("method is required")),
                Some(m) => match m.split_once('/') {
                    Some((scope, name)) => Params::from_json(req.params).map(|params| Call {
                        scope: scope.to_string(),
                        method: name.to_string(),
                        params,
                        history,
                    }),
                    None => Err(RpcError::method_not_found()),
                },
            };
            (id, call)
        }
    };
    let env = envelope(st, id);
    serve(st, peer.ip(), env, call).await
}

/// The answer before transport faults.
struct Reply {
    status: u16,
    body: Vec<u8>,
    close: bool,
    html: bool,
}

fn error_reply(st: &ServerState, env: &Envelope, e: &RpcError) -> Reply {
    Stats::bump(&st.stats.errors);
    Reply {
        status: e.http_status,
        body: env.error(e),
        close: e.close,
        html: false,
    }
}

fn html_5xx(status: u16) -> Vec<u8> {
    let text = match status {
        500 => "500 Internal Server Error",
        502 => "502 Bad Gateway",
        503 => "503 Service Temporarily Unavailable",
        _ => "504 Gateway Time-out",
    };
    format!(
        "<html>\r\n<head><title>{text}</title></head>\r\n<body>\r\n<center><h1>{text}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
    )
    .into_bytes()
}

async fn serve(
    st: &ServerState,
    ip: IpAddr,
    env: Envelope,
    call: Result<Call, RpcError>,
) -> Response {
    Stats::bump(&st.stats.requests);
    let plan = st.faults.plan();
    if plan.slow {
        Stats::bump(&st.stats.slow);
    }
    if plan.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(plan.delay_ms)).await;
    }
    let reply = match answer(st, ip, &env, call, &plan) {
        Ok(r) => r,
        Err(e) => error_reply(st, &env, &e),
    };
    respond(st, reply, plan.body)
}

fn answer(
    st: &ServerState,
    ip: IpAddr,
    env: &Envelope,
    call: Result<Call, RpcError>,
    plan: &Plan,
) -> Result<Reply, RpcError> {
    let call = call?;
    let maintenance = st.faults.in_maintenance();
    if maintenance && !methods::works_in_maintenance(&call.method) {
        Stats::bump(&st.stats.maintenance);
        return Err(RpcError::maintenance());
    }
    let limits = &st.market.settings().limits;
    if st.faults.in_storm() {
        Stats::bump(&st.stats.storm);
        return Err(RpcError::too_many_requests(limits.status));
    }
    let cost = methods::cost(&call.method, limits);
    let granted =
        st.limiter
            .lock()
            .expect("rate limiter lock")
            .try_acquire(ip, cost, st.started.elapsed());
    if !granted {
        Stats::bump(&st.stats.rate_limited);
        return Err(RpcError::too_many_requests(limits.status));
    }
    if let Some(status) = plan.http_5xx {
        Stats::bump(&st.stats.http_5xx);
        return Ok(Reply {
            status,
            body: html_5xx(status),
            close: false,
            html: true,
        });
    }
    if plan.retry {
        Stats::bump(&st.stats.retry);
        return Err(RpcError::retry());
    }
    if call.scope == "public" && methods::websocket_only(&call.method) {
        return Err(RpcError::must_be_websocket());
    }
    if call.scope == "private" {
        return Err(RpcError::unauthorized());
    }
    let method = (call.scope == "public")
        .then(|| methods::find(&call.method))
        .flatten()
        .ok_or_else(RpcError::method_not_found)?;
    let ctx = Ctx {
        market: &st.market,
        now_ms: env.us_in.div_euclid(1000),
        maintenance,
        history: call.history,
        candles: Cell::new(0),
    };
    let mut out = Vec::with_capacity(512);
    env.begin(&mut out);
    method(&ctx, &call.params, &mut out)?;
    env.finish(&mut out);
    st.stats
        .candles
        .fetch_add(ctx.candles.get(), std::sync::atomic::Ordering::Relaxed);
    Ok(Reply {
        status: 200,
        body: out,
        close: false,
        html: false,
    })
}

fn respond(st: &ServerState, reply: Reply, fault: BodyFault) -> Response {
    let mut body = reply.body;
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(
            header::CONTENT_TYPE,
            if reply.html {
                "text/html"
            } else {
                "application/json"
            },
        )
        .header(header::CACHE_CONTROL, "no-store");
    if reply.close {
        builder = builder.header(header::CONNECTION, "close");
    }
    let fault = if reply.html { BodyFault::None } else { fault };
    let response = match fault {
        BodyFault::None => builder.body(Body::from(body)),
        BodyFault::Truncate(permille) => {
            Stats::bump(&st.stats.truncated);
            body.truncate(Plan::cut(permille, body.len()));
            builder.body(Body::from(body))
        }
        BodyFault::Reset(permille) => {
            Stats::bump(&st.stats.reset);
            let len = body.len();
            let cut = Plan::cut(permille, len);
            let first = Bytes::from(body).slice(..cut);
            let stream = futures::stream::unfold(0u8, move |stage| {
                let first = first.clone();
                async move {
                    match stage {
                        0 => Some((Ok::<Bytes, std::io::Error>(first), 1)),
                        1 => {
                            // Let the first part reach the client before dropping the connection.
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Some((
                                Err(std::io::Error::new(
                                    std::io::ErrorKind::ConnectionReset,
                                    "injected connection reset",
                                )),
                                2,
                            ))
                        }
                        _ => None,
                    }
                }
            });
            builder
                .header(header::CONTENT_LENGTH, HeaderValue::from(len))
                .body(Body::from_stream(stream))
        }
    };
    response.unwrap_or_else(|_| {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}
