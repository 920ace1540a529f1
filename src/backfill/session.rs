//! Prepares and launches a backfill: reach the exchange, discover instruments, plan against
//! what is stored, start the engine. Shared by `run`, the dashboard and `demo`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, eyre};
use tokio_util::sync::CancellationToken;

use super::explore::{Explored, check_plan, explore, plan_request};
use super::sink::StoreSink;
use crate::config::Config;
use crate::domain::time::{DAY_MS, format_ms, parse_instant};
use crate::domain::{Checkpoint, JobKey, JobState, Pipeline, TimeRange};
use crate::exchange::{ClientConfig, DeribitClient, FetchError, RateLimiter, RetryPolicy};
use crate::jobs::discover::Discovered;
use crate::jobs::{
    Clock, DbRetry, EngineOptions, EventReceiver, InstrumentFilter, JobsHandle, Plan, WorkerCtx,
};
use crate::store::Store;
use crate::usage::UsageError;

/// Where the history starts when no `--start` is given (the simulator's and the real
/// exchange's earliest perpetual data is from August 2018).
pub const HISTORY_START: &str = "2018-08-01";

/// Deribit opened in June 2016: a range that ends before has nothing to fetch.
pub const DERIBIT_LAUNCH: &str = "2016-06-01";

/// What to backfill.
#[derive(Debug, Clone)]
pub struct BackfillOptions {
    pub pipelines: Vec<Pipeline>,
    pub currencies: Vec<String>,
    pub instruments: Option<InstrumentFilter>,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub parallel: usize,
    /// Resume jobs a previous session paused (pauses survive restarts otherwise).
    pub resume_paused: bool,
}

impl BackfillOptions {
    /// Parses the textual options shared by `run`, `tui` and `demo`.
    pub fn parse(
        pipelines: &[String],
        currencies: &[String],
        instruments: &[String],
        start: Option<&str>,
        end: Option<&str>,
        parallel: usize,
    ) -> Result<Self> {
        let mut ps = Vec::new();
        for p in pipelines {
            let p: Pipeline = p.parse().map_err(|e: String| eyre!("--pipelines: {e}"))?;
            if p == Pipeline::Instruments {
                continue;
            }
            if !ps.contains(&p) {
                ps.push(p);
            }
        }
        if ps.is_empty() {
            return Err(eyre!(
                "--pipelines is empty: choose from futures, perpetuals, funding, index, basis"
            ));
        }
        let currencies = crate::domain::parse_currencies(currencies)?;
        let filter = if instruments.is_empty() {
            None
        } else {
            Some(InstrumentFilter::new(instruments)?)
        };
        let start = start.map(parse_instant).transpose().wrap_err("--start")?;
        let end = end.map(parse_instant).transpose().wrap_err("--end")?;
        if let (Some(s), Some(e)) = (start, end) {
            TimeRange::new(s, e)?;
            if s == e {
                return Err(UsageError::new(format!(
                    "--start and --end are both {}: the range is empty (the end is exclusive) — pass an --end later than --start, e.g. --end {}",
                    format_ms(s),
                    &format_ms(s + DAY_MS)[..10]
                ))
                .into());
            }
        }
        let launch = parse_instant(DERIBIT_LAUNCH).expect("constant");
        if let Some(e) = end
            && e <= launch
        {
            return Err(UsageError::new(format!(
                "--end {} is before Deribit existed (it opened in 2016; its history starts {HISTORY_START}): there is nothing to fetch — pass a --start on or after {HISTORY_START}, or leave --start and --end out for the whole history",
                format_ms(e)
            ))
            .into());
        }
        if parallel == 0 || parallel > crate::jobs::supervisor::MAX_PARALLEL {
            return Err(eyre!("--parallel {parallel} is out of range — use 1 to 64"));
        }
        Ok(Self {
            pipelines: ps,
            currencies,
            instruments: filter,
            start,
            end,
            parallel,
            resume_paused: false,
        })
    }
}

/// The history host to ask for expired futures. history.deribit.com serves the real
/// exchange's history: with another `--exchange-url` (a simulator, testnet) and no
/// `--history-url` of its own, there is none (the main host's list and the calendar stand in).
pub fn history_url(config: &Config) -> Option<String> {
    use crate::config::{DEFAULT_EXCHANGE_URL, DEFAULT_HISTORY_URL};
    let real = config.exchange_url.trim_end_matches('/') == DEFAULT_EXCHANGE_URL;
    (real || config.exchange.history_url != DEFAULT_HISTORY_URL)
        .then(|| config.exchange.history_url.clone())
}

/// Builds the exchange client with the configured rate budget and retry policy.
pub fn client(config: &Config) -> Result<DeribitClient> {
    let b = &config.backfill;
    let limiter = Arc::new(RateLimiter::new(&config.rate_limit));
    let cfg = ClientConfig {
        base_url: config.exchange_url.clone(),
        history_url: history_url(config),
        timeout: Duration::from_secs(b.request_timeout_seconds),
        retry: RetryPolicy {
            max_retries: b.max_retries,
            base: Duration::from_millis(b.backoff_base_ms),
            max: Duration::from_millis(b.backoff_max_ms),
            ..RetryPolicy::default()
        },
    };
    Ok(DeribitClient::new(&cfg, limiter)?)
}

/// Checks the exchange answers; returns its clock. A plain message when it does not.
pub async fn reach(client: &DeribitClient, stop: &CancellationToken) -> Result<i64> {
    // A short policy: an unreachable exchange should be reported in seconds, not minutes.
    let probe = client.with_retry(RetryPolicy {
        max_retries: 2,
        base: Duration::from_millis(300),
        max: Duration::from_secs(1),
        ..RetryPolicy::default()
    });
    match probe.get_time(stop).await {
        Ok(t) => Ok(t),
        Err(FetchError::Interrupted) => Err(eyre!("interrupted")),
        Err(FetchError::Exchange(e)) => Err(eyre!(
            "cannot reach the exchange at {}: {} — check --exchange-url (or exchange_url in the config), or run the simulator: `deribit-backfill sim --listen 127.0.0.1:8080` and pass --exchange-url http://127.0.0.1:8080",
            client.base_url(),
            e.message
        )),
    }
}

/// Everything needed to start the engine.
pub struct Prepared {
    pub plan: Plan,
    pub checkpoints: HashMap<JobKey, Checkpoint>,
    pub discovered: Discovered,
    /// The exchange's clock when planned.
    pub exchange_now: i64,
}

impl Prepared {
    /// Rows and requests still to do, given what is stored.
    pub fn remaining(&self) -> Plan {
        let jobs = self
            .plan
            .jobs
            .iter()
            .filter_map(|j| {
                let mut j = j.clone();
                if let Some(cp) = self.checkpoints.get(&j.key) {
                    if cp.range.start <= j.range.start
                        && cp.cursor >= j.range.end
                        && cp.state.is_success()
                    {
                        return None;
                    }
                    if cp.range.start <= j.range.start && cp.cursor > j.range.start {
                        let left = TimeRange {
                            start: cp.cursor.min(j.range.end),
                            end: j.range.end,
                        };
                        let fraction =
                            left.duration_ms() as f64 / j.range.duration_ms().max(1) as f64;
                        j.expected_rows = (j.expected_rows as f64 * fraction).round() as i64;
                        j.expected_requests = (j.expected_requests as f64 * fraction).ceil() as i64;
                        j.range = left;
                    }
                }
                Some(j)
            })
            .collect();
        Plan { jobs }
    }
}

/// Discovers instruments and plans against what is stored (storing the instrument list), or
/// against nothing when `store` is `None` (`--dry-run`).
pub async fn prepare(
    client: &DeribitClient,
    store: Option<&Arc<dyn Store>>,
    options: &BackfillOptions,
    stop: &CancellationToken,
) -> Result<Prepared> {
    let explored = explore(client, options, stop).await?;
    plan_against(explored, store, options).await
}

/// Plans what [`explore`] found against the store. Refuses (before writing anything) names
/// nobody knows and a plan without jobs; then stores the instrument list.
pub async fn plan_against(
    explored: Explored,
    store: Option<&Arc<dyn Store>>,
    options: &BackfillOptions,
) -> Result<Prepared> {
    let Explored {
        discovered,
        exchange_now,
    } = explored.clone();
    let mut instruments = discovered.instruments.clone();
    // Names the operator typed must be known (to the exchange, the calendar, or an earlier run)
    // and the plan must hold a job, before anything is written.
    let stored = match store {
        Some(store) => store.list_instruments().await?,
        None => Vec::new(),
    };
    check_plan(&explored, &stored, options)?;
    let mut checkpoints = HashMap::new();
    if let Some(store) = store {
        store
            .upsert_instruments(&instruments)
            .await
            .wrap_err("cannot store the instrument list")?;
        // What earlier runs learned (real creation times, data status) counts too.
        instruments = store.list_instruments().await?;
        for cp in store.load_checkpoints().await? {
            checkpoints.insert(cp.key.clone(), cp);
        }
    }
    let plan = crate::jobs::plan(&instruments, &plan_request(options, exchange_now));
    if options.resume_paused {
        for cp in checkpoints.values_mut() {
            if cp.state == JobState::Paused {
                cp.state = JobState::Queued;
            }
        }
    }
    Ok(Prepared {
        plan,
        checkpoints,
        discovered,
        exchange_now,
    })
}

/// Plans the gap jobs of the gaps `verify` recorded (open ones, within the options'
/// pipelines, currencies and instrument filter), against the store; no discovery.
pub async fn prepare_gaps(
    client: &DeribitClient,
    store: &Arc<dyn Store>,
    options: &BackfillOptions,
    stop: &CancellationToken,
) -> Result<Prepared> {
    let exchange_now = reach(client, stop).await?;
    let gaps = store
        .gaps()
        .await
        .wrap_err("cannot read the recorded gaps")?;
    let currency_of = |name: &str| {
        crate::domain::InstrumentName::parse(name)
            .map(|n| n.base)
            .unwrap_or_else(|_| name.to_string())
    };
    let jobs = crate::jobs::plan_gaps(&gaps, |pipeline, instrument| {
        options.pipelines.contains(&pipeline)
            && options.currencies.contains(&currency_of(instrument))
            && options
                .instruments
                .as_ref()
                .is_none_or(|f| f.is_empty() || f.matches(instrument))
    });
    tracing::info!(gap_jobs = jobs.len(), "gap jobs planned");
    Ok(Prepared {
        plan: Plan { jobs },
        checkpoints: HashMap::new(),
        discovered: Discovered::default(),
        exchange_now,
    })
}

/// The real clock in epoch ms.
pub fn system_clock() -> Clock {
    Arc::new(|| chrono::Utc::now().timestamp_millis())
}

/// Starts the engine over a prepared plan.
pub fn launch(
    prepared: Prepared,
    store: Arc<dyn Store>,
    client: DeribitClient,
    parallel: usize,
) -> (JobsHandle, EventReceiver, tokio::task::JoinHandle<()>) {
    let Prepared {
        plan,
        mut checkpoints,
        ..
    } = prepared;
    let ctx = WorkerCtx {
        sink: Arc::new(StoreSink(store)),
        client,
        clock: system_clock(),
        db_retry: DbRetry::default(),
    };
    let jobs = plan
        .jobs
        .into_iter()
        .map(|spec| {
            let stored = checkpoints.remove(&spec.key);
            (spec, stored)
        })
        .collect();
    crate::jobs::start(
        ctx,
        EngineOptions {
            parallel,
            ..EngineOptions::default()
        },
        jobs,
    )
}
