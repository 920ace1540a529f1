//! Index prices of a currency: one row per minute, tagged with its source. The hourly
//! `index_price` of the perpetual's funding history is the official point where it exists;
//! every other minute is the perpetual's 1-minute close, a proxy (the store keeps the
//! higher-priority source at a minute).
//!
//! The daily delivery prices (`get_delivery_prices`) are fetched too, into a table of their own
//! (`delivery_prices`): a delivery price is the 07:30–08:00 UTC average, not the index at any
//! minute, so it never takes the place of one (deribit-api.md §8.8).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{Job, WorkerCtx, exit_for};
use crate::domain::time::{DAY_MS, MINUTE_MS, expiry_instant_ms};
use crate::domain::{
    DeliveryPriceRow, IndexPrice, IndexSource, InstrumentName, Pipeline, TimeRange,
};
use crate::jobs::lifecycle::WorkerExit;

/// Minutes derived per committed step.
const CHUNK_MINUTES: i64 = 7 * 1440;
/// Delivery prices per request (the exchange's maximum).
const DELIVERY_PAGE: i64 = 1000;

pub async fn run(ctx: &WorkerCtx, job: &mut Job<'_>) -> WorkerExit {
    let currency = job.spec.key.instrument.clone();
    let perpetual = InstrumentName::perpetual(&currency).to_string();
    let range = job.spec.range;
    let from = job.checkpoint.cursor.max(range.start);

    // 1. Daily delivery prices, newest first, back to where this job has already been.
    let index_name = format!("{}_usd", currency.to_lowercase());
    let observer = job.observer();
    let mut delivery = Vec::new();
    let mut offset = 0;
    let mut requests = 0;
    let mut retries = 0;
    loop {
        if job.stop.is_cancelled() {
            return WorkerExit::Interrupted;
        }
        let page = match ctx
            .client
            .delivery_prices(&index_name, offset, DELIVERY_PAGE, &observer, &job.stop)
            .await
        {
            Ok(p) => p,
            Err(e) => return exit_for(e),
        };
        requests += 1;
        retries += page.retries;
        let n = page.value.data.len() as i64;
        let mut reached_old_end = false;
        for d in page.value.data {
            let Ok(date) = NaiveDate::parse_from_str(&d.date, "%Y-%m-%d") else {
                tracing::warn!(date = %d.date, "ignoring a delivery price with an unreadable date");
                continue;
            };
            let ts = expiry_instant_ms(date);
            if ts < from - DAY_MS {
                reached_old_end = true;
            }
            if ts >= from && ts < range.end && d.delivery_price > 0.0 {
                delivery.push(DeliveryPriceRow {
                    date,
                    price: d.delivery_price,
                });
            }
        }
        offset += n;
        if n == 0 || reached_old_end || offset >= page.value.records_total {
            break;
        }
    }
    delivery.sort_by_key(|p| p.date);
    let (cur, rows) = (&currency, &delivery);
    let written = match job
        .with_database(ctx, || ctx.sink.write_delivery(cur, rows))
        .await
    {
        Ok(w) => w,
        Err(exit) => return exit,
    };
    // The delivery table has no checkpoint of its own: the step's checkpoint follows it.
    let next = job.next(ctx, from, 0, requests, retries);
    let step = job.commit(ctx, next, 0, |cp| async move {
        ctx.sink.save_checkpoint(&cp).await.map(|()| written)
    });
    if let Err(exit) = step.await {
        return exit;
    }

    // 2. Hourly funding-history index and the perpetual-close proxy, a chunk at a time.
    let todo = job.spec.todo(from);
    for chunk in todo
        .iter()
        .flat_map(|r| r.windows(MINUTE_MS, CHUNK_MINUTES))
    {
        if job.stop.is_cancelled() {
            return WorkerExit::Interrupted;
        }
        let span = chunk.range();
        let perp = &perpetual;
        let funding = match job
            .with_database(ctx, || ctx.sink.read_funding(perp, span))
            .await
        {
            Ok(f) => f,
            Err(exit) => return exit,
        };
        let closes = match job
            .with_database(ctx, || {
                ctx.sink.read_candles(Pipeline::Perpetuals, perp, span)
            })
            .await
        {
            Ok(c) => c,
            Err(exit) => return exit,
        };
        // A funding row without an index price: no official point at that hour, at the source.
        let no_official: Vec<TimeRange> = funding
            .iter()
            .filter(|f| f.index_price.is_none())
            .map(|f| TimeRange {
                start: f.ts,
                end: f.ts + MINUTE_MS,
            })
            .collect();
        let (cur, ranges) = (&currency, &no_official);
        let recorded = job
            .with_database(ctx, || ctx.sink.record_empty(Pipeline::Index, cur, ranges))
            .await;
        if let Err(exit) = recorded {
            return exit;
        }
        let mut best: BTreeMap<i64, IndexPrice> = BTreeMap::new();
        let rows = closes
            .iter()
            .map(|c| IndexPrice {
                ts: c.ts,
                price: c.close,
                source: IndexSource::PerpetualClose,
            })
            .chain(funding.iter().filter_map(|f| {
                Some(IndexPrice {
                    ts: f.ts,
                    price: f.index_price?,
                    source: IndexSource::FundingHistory,
                })
            }));
        for row in rows {
            let keep = best
                .get(&row.ts)
                .is_none_or(|b| b.source.priority() < row.source.priority());
            if keep {
                best.insert(row.ts, row);
            }
        }
        let rows: Vec<IndexPrice> = best.into_values().collect();
        let received = rows.len() as i64;
        let next = job.next(ctx, span.end, received, 0, 0);
        let (cur, rows) = (&currency, &rows);
        let step = job.commit(ctx, next, received, |cp| async move {
            ctx.sink.write_index(cur, rows, &cp).await
        });
        if let Err(exit) = step.await {
            return exit;
        }
    }
    if job.checkpoint.rows == 0 && delivery.is_empty() && !job.spec.key.gaps {
        return WorkerExit::Unavailable(format!("no index source has data in {range}"));
    }
    WorkerExit::Done
}
