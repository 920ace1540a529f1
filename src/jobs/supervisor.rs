//! The supervisor: owns the job table, starts workers up to the concurrency limit in
//! dependency order, applies commands, persists state changes, and publishes snapshots.
//! One task, one biased `select!` loop; it never holds a lock across an await.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::control::{Control, EventReceiver, JobsHandle, Selector};
use super::lifecycle::{self, Command, StopIntent, WorkerExit};
use super::plan::JobSpec;
use super::rate::Ewma;
use super::snapshot::{EngineSnapshot, EventKind, JobEvent, JobView, Totals};
use super::worker::{self, WorkerCtx, WorkerMsg};
use crate::domain::{Checkpoint, DataStatus, JobKey, JobState, Pipeline};

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Jobs worked on at once.
    pub parallel: usize,
    /// Snapshots are published at most this often.
    pub publish_every: Duration,
    /// Capacity of the event channel (events are dropped, never blocking, when it is full).
    pub event_capacity: usize,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            parallel: 4,
            publish_every: Duration::from_millis(100),
            event_capacity: 1024,
        }
    }
}

/// Upper bound for `parallel`.
pub const MAX_PARALLEL: usize = 64;

struct Entry {
    spec: JobSpec,
    state: JobState,
    intent: Option<StopIntent>,
    checkpoint: Checkpoint,
    rows_written: i64,
    rate: Ewma,
    stop: Option<CancellationToken>,
    updated_at: i64,
}

impl Entry {
    fn view(&self) -> JobView {
        let remaining = (self.spec.expected_rows - self.checkpoint.rows).max(0) as f64;
        let eta = match self.state {
            JobState::Running | JobState::Backoff | JobState::Queued => {
                self.rate.eta_seconds(remaining)
            }
            _ => None,
        };
        JobView {
            key: self.spec.key.clone(),
            state: self.state,
            range: self.spec.range,
            cursor: self.checkpoint.cursor,
            rows_done: self.checkpoint.rows,
            // An unavailable job has nothing more to expect; a finished job whose start was only
            // estimated (calendar-only) expects what the exchange had.
            rows_expected: if self.state == JobState::Unavailable
                || (self.state == JobState::Done && self.spec.start_estimated)
            {
                self.checkpoint.rows
            } else {
                self.spec.expected_rows
            },
            rows_written: self.rows_written,
            requests: self.checkpoint.requests,
            retries: self.checkpoint.retries,
            last_error: self.checkpoint.last_error.clone(),
            rows_per_second: if self.state == JobState::Running || self.state == JobState::Backoff {
                self.rate.rate()
            } else {
                0.0
            },
            eta_seconds: eta,
            updated_at: self.updated_at,
        }
    }
}

/// The state a planned job starts in, given what is stored for it.
fn initial(spec: &JobSpec, stored: Option<Checkpoint>, now: i64) -> (JobState, Checkpoint) {
    match stored {
        None => (
            JobState::Queued,
            Checkpoint::new(spec.key.clone(), spec.range, now),
        ),
        Some(mut cp) => {
            if cp.range.start > spec.range.start || cp.cursor < spec.range.start {
                // The range now starts earlier (or the stored cursor is off): start over; the
                // upserts make the repeated part harmless.
                cp.cursor = spec.range.start;
                cp.rows = 0;
                // A calendar-only future searches its first candle again over the new range.
                cp.data_start = None;
            }
            cp.range = spec.range;
            let state = lifecycle::on_restart(cp.state, cp.is_complete());
            cp.state = state;
            (state, cp)
        }
    }
}

struct Supervisor {
    ctx: WorkerCtx,
    entries: Vec<Entry>,
    index: HashMap<JobKey, usize>,
    /// Start order: indices into `entries`.
    order: Vec<usize>,
    parallel: usize,
    running: usize,
    worker_tx: mpsc::Sender<WorkerMsg>,
    events: mpsc::Sender<JobEvent>,
    events_dropped: u64,
    snapshots: watch::Sender<EngineSnapshot>,
    version: u64,
    dirty: bool,
    started_at: i64,
    global_rate: Ewma,
    last_progress: Instant,
    shutting_down: bool,
    /// The first failure that stopped the engine on its own.
    fatal: Option<String>,
    /// The rate limiter as last published, at the precision the dashboard shows it.
    rate_shown: RateView,
}

/// What the dashboard shows of the rate limiter, rounded to what it can show: credits in
/// percent of the pool, requests/s and budget in hundredths, 10028s in the window, penalty
/// seconds.
type RateView = [i64; 5];

fn rate_view(r: &crate::exchange::RateLimitSnapshot) -> RateView {
    [
        (r.credits_left / r.pool.max(1.0) * 100.0).round() as i64,
        (r.requests_per_second * 100.0).round() as i64,
        (r.budget_per_second * 100.0).round() as i64,
        r.rate_limited_recent as i64,
        r.penalty_seconds.ceil() as i64,
    ]
}

/// Starts the engine over these jobs (each with its stored checkpoint, if any).
pub fn start(
    ctx: WorkerCtx,
    options: EngineOptions,
    jobs: Vec<(JobSpec, Option<Checkpoint>)>,
) -> (JobsHandle, EventReceiver, JoinHandle<()>) {
    let now = (ctx.clock)();
    let (control_tx, control_rx) = mpsc::channel(256);
    let (worker_tx, worker_rx) = mpsc::channel(1024);
    let (events_tx, events_rx) = mpsc::channel(options.event_capacity.max(1));
    let (snap_tx, snap_rx) = watch::channel(EngineSnapshot::default());
    let mut entries = Vec::with_capacity(jobs.len());
    let mut index = HashMap::new();
    for (spec, stored) in jobs {
        if index.contains_key(&spec.key) {
            continue;
        }
        let (state, checkpoint) = initial(&spec, stored, now);
        index.insert(spec.key.clone(), entries.len());
        entries.push(Entry {
            spec,
            state,
            intent: None,
            checkpoint,
            rows_written: 0,
            rate: Ewma::default(),
            stop: None,
            updated_at: now,
        });
    }
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|i| (start_priority(entries[*i].spec.key.pipeline), *i));
    let mut sup = Supervisor {
        ctx,
        entries,
        index,
        order,
        parallel: options.parallel.clamp(1, MAX_PARALLEL),
        running: 0,
        worker_tx,
        events: events_tx,
        events_dropped: 0,
        snapshots: snap_tx,
        version: 0,
        dirty: true,
        started_at: now,
        global_rate: Ewma::default(),
        last_progress: Instant::now(),
        shutting_down: false,
        fatal: None,
        rate_shown: [-1; 5],
    };
    sup.publish(false);
    let handle = JobsHandle {
        control: control_tx,
        snapshots: snap_rx,
    };
    let task =
        tokio::spawn(async move { sup.run(control_rx, worker_rx, options.publish_every).await });
    (handle, events_rx, task)
}

/// Long ranges first, so they are not left for last; derived jobs wait for their inputs anyway.
fn start_priority(p: crate::domain::Pipeline) -> u8 {
    use crate::domain::Pipeline::*;
    match p {
        Instruments => 0,
        Perpetuals => 1,
        Funding => 2,
        Futures => 3,
        Index => 4,
        Basis => 5,
    }
}

impl Supervisor {
    async fn run(
        mut self,
        mut control: mpsc::Receiver<Control>,
        mut workers: mpsc::Receiver<WorkerMsg>,
        publish_every: Duration,
    ) {
        let mut tick = tokio::time::interval(publish_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if !self.shutting_down {
                self.schedule();
            } else if self.running == 0 {
                break;
            }
            tokio::select! {
                biased;
                msg = control.recv() => match msg {
                    Some(Control::Command { selector, command, reply }) => {
                        let n = self.command(&selector, command).await;
                        self.acknowledge(n);
                        if let Some(r) = reply {
                            let _ = r.send(n);
                        }
                    }
                    Some(Control::QueueGaps { selector, reply }) => {
                        let n = self.queue_gaps(&selector).await;
                        self.acknowledge(n);
                        if let Some(r) = reply {
                            let _ = r.send(n);
                        }
                    }
                    Some(Control::SetParallel(n)) => {
                        self.parallel = n.clamp(1, MAX_PARALLEL);
                        tracing::info!(parallel = self.parallel, "concurrency changed");
                        self.dirty = true;
                    }
                    Some(Control::Shutdown) | None => self.begin_shutdown(),
                },
                Some(msg) = workers.recv() => self.on_worker(msg).await,
                _ = tick.tick() => {
                    // The limiter moves without any job moving: the request rate falls to
                    // zero after the last request, the pool refills. Publish that too, or the
                    // dashboard keeps showing (and charting) the last rate seen.
                    if self.dirty
                        || rate_view(&self.ctx.client.limiter().snapshot()) != self.rate_shown
                    {
                        self.publish(false);
                    }
                }
            }
        }
        self.publish(true);
        tracing::info!(dropped_events = self.events_dropped, "engine stopped");
    }

    /// Before a command's reply: a command that changed something is scheduled and published
    /// first, so whoever waits on the snapshot after the reply (`wait_idle`) never sees the
    /// state from before the command.
    fn acknowledge(&mut self, changed: usize) {
        if changed > 0 {
            if !self.shutting_down {
                self.schedule();
            }
            self.publish(false);
        }
    }

    fn emit(&mut self, key: &JobKey, kind: EventKind) {
        let event = JobEvent {
            at: (self.ctx.clock)(),
            key: key.clone(),
            kind,
        };
        if self.events.try_send(event).is_err() {
            self.events_dropped += 1;
        }
    }

    fn deps_ready(&self, idx: usize) -> bool {
        self.entries[idx]
            .spec
            .depends_on
            .iter()
            .all(|d| match self.index.get(d) {
                Some(&i) => self.entries[i].state.is_terminal(),
                None => true,
            })
    }

    fn schedule(&mut self) {
        if self.running >= self.parallel {
            return;
        }
        let order = self.order.clone();
        for idx in order {
            if self.running >= self.parallel {
                break;
            }
            if self.entries[idx].state == JobState::Queued && self.deps_ready(idx) {
                self.spawn(idx);
            }
        }
    }

    fn spawn(&mut self, idx: usize) {
        let token = CancellationToken::new();
        let e = &mut self.entries[idx];
        e.state = JobState::Running;
        e.intent = None;
        e.stop = Some(token.clone());
        e.updated_at = (self.ctx.clock)();
        e.rate = Ewma::default();
        let (spec, cp) = (e.spec.clone(), e.checkpoint.clone());
        let key = spec.key.clone();
        self.running += 1;
        self.dirty = true;
        tracing::info!(job = %key, cursor = cp.cursor, "job started");
        self.emit(&key, EventKind::Started);
        tokio::spawn(worker::run(
            self.ctx.clone(),
            idx,
            spec,
            cp,
            token,
            self.worker_tx.clone(),
        ));
    }

    fn begin_shutdown(&mut self) {
        if self.shutting_down {
            return;
        }
        self.shutting_down = true;
        tracing::info!(
            running = self.running,
            "shutting down: checkpointing running jobs"
        );
        for e in &mut self.entries {
            if let Some(stop) = &e.stop {
                e.intent = Some(StopIntent::Shutdown);
                e.state = JobState::Pausing;
                stop.cancel();
            }
        }
        self.dirty = true;
    }

    async fn persist(&self, idx: usize) {
        let e = &self.entries[idx];
        let mut cp = e.checkpoint.clone();
        cp.state = e.state;
        cp.updated_at = e.updated_at;
        if let Err(err) = self.ctx.sink.save_checkpoint(&cp).await {
            tracing::error!(job = %e.spec.key, "cannot save job state: {err}");
        }
    }

    async fn command(&mut self, selector: &Selector, command: Command) -> usize {
        let glob = selector.matcher();
        let mut changed = 0;
        for idx in 0..self.entries.len() {
            let (key, state, intent) = {
                let e = &self.entries[idx];
                (e.spec.key.clone(), e.state, e.intent)
            };
            if !selector.matches(&key, state, glob.as_ref()) {
                continue;
            }
            let step = lifecycle::on_command(state, intent, command);
            if !step.changed {
                continue;
            }
            changed += 1;
            let now = (self.ctx.clock)();
            let e = &mut self.entries[idx];
            e.state = step.state;
            e.intent = step.intent;
            e.updated_at = now;
            if step.stop_worker
                && let Some(stop) = &e.stop
            {
                stop.cancel();
            }
            if command == Command::Retry {
                e.checkpoint.last_error = None;
            }
            tracing::info!(job = %key, command = command.as_str(), from = %state, to = %step.state, "command");
            if e.stop.is_none() {
                // No worker owns the checkpoint: persist the new state now.
                self.persist(idx).await;
                let kind = match step.state {
                    JobState::Paused => Some(EventKind::Paused),
                    JobState::Cancelled => Some(EventKind::Cancelled),
                    JobState::Queued => Some(EventKind::Queued),
                    _ => None,
                };
                if let Some(kind) = kind {
                    self.emit(&key, kind);
                }
            }
        }
        self.dirty |= changed > 0;
        changed
    }

    /// Plans gap jobs for the instruments of the selected (non-gap) jobs and queues them:
    /// new ones are added, ended ones queued again over the gaps open now; queued or running
    /// ones are left alone.
    async fn queue_gaps(&mut self, selector: &Selector) -> usize {
        if self.shutting_down {
            return 0;
        }
        let glob = selector.matcher();
        let names: std::collections::HashSet<String> = self
            .entries
            .iter()
            .filter(|e| selector.matches(&e.spec.key, e.state, glob.as_ref()))
            .map(|e| e.spec.key.instrument.clone())
            .collect();
        if names.is_empty() {
            return 0;
        }
        let gaps = match self.ctx.sink.gaps().await {
            Ok(g) => g,
            Err(e) => {
                tracing::error!("cannot read the recorded gaps: {e}");
                return 0;
            }
        };
        let specs = super::gaps::plan_gaps(&gaps, |_, i| names.contains(i));
        let n = self.add_jobs(specs);
        tracing::info!(instruments = names.len(), queued = n, "gap jobs queued");
        n
    }

    /// Adds jobs to a running engine (or queues ended ones again with the new spec).
    fn add_jobs(&mut self, specs: Vec<JobSpec>) -> usize {
        let now = (self.ctx.clock)();
        let mut added = 0;
        for spec in specs {
            let key = spec.key.clone();
            match self.index.get(&key).copied() {
                Some(i) if !self.entries[i].state.is_terminal() => continue,
                Some(i) => {
                    let e = &mut self.entries[i];
                    e.checkpoint = Checkpoint::new(key.clone(), spec.range, now);
                    e.spec = spec;
                    e.state = JobState::Queued;
                    e.rows_written = 0;
                    e.updated_at = now;
                }
                None => {
                    let i = self.entries.len();
                    self.index.insert(key.clone(), i);
                    self.entries.push(Entry {
                        checkpoint: Checkpoint::new(key.clone(), spec.range, now),
                        spec,
                        state: JobState::Queued,
                        intent: None,
                        rows_written: 0,
                        rate: Ewma::default(),
                        stop: None,
                        updated_at: now,
                    });
                    self.order.push(i);
                }
            }
            added += 1;
            self.emit(&key, EventKind::Queued);
        }
        self.dirty |= added > 0;
        added
    }

    async fn on_worker(&mut self, msg: WorkerMsg) {
        self.dirty = true;
        match msg {
            WorkerMsg::Progress {
                idx,
                checkpoint,
                written,
                received,
                elapsed,
            } => {
                let now = (self.ctx.clock)();
                let e = &mut self.entries[idx];
                e.checkpoint = checkpoint;
                e.rows_written += written as i64;
                e.rate.add(received as f64, elapsed);
                e.updated_at = now;
                if e.state == JobState::Backoff {
                    e.state = JobState::Running;
                }
                let since = self.last_progress.elapsed();
                self.last_progress = Instant::now();
                self.global_rate.add(received as f64, since);
            }
            WorkerMsg::Retrying { idx, error, wait } => {
                let key = self.entries[idx].spec.key.clone();
                let e = &mut self.entries[idx];
                e.checkpoint.retries += 1;
                e.checkpoint.last_error = Some(error.clone());
                if e.state == JobState::Running {
                    e.state = JobState::Backoff;
                }
                tracing::warn!(job = %key, wait_ms = wait.as_millis() as u64, "{error}");
                self.emit(
                    &key,
                    EventKind::Retrying {
                        error,
                        wait_ms: wait.as_millis() as u64,
                    },
                );
            }
            WorkerMsg::Exit {
                idx,
                checkpoint,
                exit,
            } => self.on_exit(idx, checkpoint, exit).await,
        }
    }

    async fn on_exit(&mut self, idx: usize, checkpoint: Checkpoint, exit: WorkerExit) {
        self.running -= 1;
        let now = (self.ctx.clock)();
        let (key, state, written) = {
            let e = &mut self.entries[idx];
            // Keep counters the supervisor saw (retries arrive out of band).
            let retries = e.checkpoint.retries.max(checkpoint.retries);
            e.checkpoint = checkpoint;
            e.checkpoint.retries = retries;
            e.stop = None;
            e.state = lifecycle::on_exit(e.intent, &exit);
            e.intent = None;
            e.updated_at = now;
            match &exit {
                WorkerExit::Failed(m) | WorkerExit::Unavailable(m) | WorkerExit::Fatal(m) => {
                    e.checkpoint.last_error = Some(m.clone())
                }
                WorkerExit::Done => e.checkpoint.last_error = None,
                WorkerExit::Interrupted => {}
            }
            (e.spec.key.clone(), e.state, e.rows_written)
        };
        self.persist(idx).await;
        // A gap job's exit says nothing about the whole instrument.
        if matches!(key.pipeline, Pipeline::Futures | Pipeline::Perpetuals) && !key.gaps {
            let status = match &exit {
                WorkerExit::Done => Some(DataStatus::Available),
                WorkerExit::Unavailable(_) => Some(DataStatus::Unavailable),
                _ => None,
            };
            if let Some(status) = status
                && let Err(e) = self.ctx.sink.mark_instrument(&key.instrument, status).await
            {
                tracing::warn!(job = %key, "cannot record the instrument's data status: {e}");
            }
        }
        let kind = match (&exit, state) {
            (WorkerExit::Done, _) => EventKind::Done {
                rows: self.entries[idx].checkpoint.rows,
            },
            (WorkerExit::Unavailable(r), _) => EventKind::Unavailable { reason: r.clone() },
            (WorkerExit::Failed(m) | WorkerExit::Fatal(m), _) => {
                EventKind::Failed { error: m.clone() }
            }
            (WorkerExit::Interrupted, JobState::Paused) => EventKind::Paused,
            (WorkerExit::Interrupted, JobState::Cancelled) => EventKind::Cancelled,
            (WorkerExit::Interrupted, _) => EventKind::Queued,
        };
        match &kind {
            EventKind::Failed { error } => tracing::error!(job = %key, "job failed: {error}"),
            EventKind::Unavailable { reason } => {
                tracing::info!(job = %key, "job unavailable: {reason}")
            }
            _ => tracing::info!(job = %key, state = %state, "job stopped"),
        }
        self.emit(&key, kind);
        if let WorkerExit::Fatal(m) = &exit {
            if self.fatal.is_none() {
                tracing::error!("stopping the engine: {m}");
                self.fatal = Some(m.clone());
            }
            self.begin_shutdown();
        }
        if written > 0 && state.is_terminal() {
            self.requeue_dependents(&key).await;
        }
    }

    /// A finished job changed its rows: derived jobs already done are refreshed. (A gap job's
    /// derived rows are refreshed by the derived gap jobs `verify` planned, which wait for it.)
    async fn requeue_dependents(&mut self, key: &JobKey) {
        for idx in 0..self.entries.len() {
            let e = &mut self.entries[idx];
            if e.state == JobState::Done && e.spec.depends_on.contains(key) {
                e.state = JobState::Queued;
                e.checkpoint.cursor = e.spec.range.start;
                e.checkpoint.rows = 0;
                tracing::info!(job = %e.spec.key, input = %key, "input changed: refreshing");
                self.persist(idx).await;
            }
        }
    }

    fn is_idle(&self) -> bool {
        self.running == 0
            && !self
                .entries
                .iter()
                .enumerate()
                .any(|(i, e)| e.state == JobState::Queued && self.deps_ready(i))
    }

    fn publish(&mut self, stopped: bool) {
        self.version += 1;
        let jobs: Vec<JobView> = self.entries.iter().map(Entry::view).collect();
        let totals = Totals::from_jobs(&jobs);
        let remaining: i64 = self
            .entries
            .iter()
            .filter(|e| {
                matches!(
                    e.state,
                    JobState::Queued | JobState::Running | JobState::Backoff
                )
            })
            .map(|e| (e.spec.expected_rows - e.checkpoint.rows).max(0))
            .sum();
        let idle = self.is_idle();
        let rate_limit = self.ctx.client.limiter().snapshot();
        self.rate_shown = rate_view(&rate_limit);
        let snapshot = EngineSnapshot {
            version: self.version,
            jobs: Arc::new(jobs),
            totals,
            rate_limit,
            parallel: self.parallel,
            started_at: self.started_at,
            rows_per_second: if idle { 0.0 } else { self.global_rate.rate() },
            eta_seconds: if idle {
                None
            } else {
                self.global_rate.eta_seconds(remaining as f64)
            },
            idle,
            stopped,
            fatal: self.fatal.clone(),
        };
        self.snapshots.send_replace(snapshot);
        self.dirty = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TimeRange;

    fn spec(range: TimeRange) -> JobSpec {
        JobSpec {
            key: JobKey::new(Pipeline::Perpetuals, "BTC-PERPETUAL"),
            range,
            expected_rows: range.minutes(),
            expected_requests: 1,
            depends_on: vec![],
            expiration_ts: None,
            start_estimated: false,
            parts: vec![],
        }
    }

    #[test]
    fn initial_state_from_the_stored_checkpoint() {
        let range = TimeRange::new(0, 600_000).unwrap();
        let (s, cp) = initial(&spec(range), None, 5);
        assert_eq!((s, cp.cursor), (JobState::Queued, 0));

        let mut stored = Checkpoint::new(spec(range).key, range, 1);
        stored.cursor = 300_000;
        stored.rows = 5;
        stored.state = JobState::Running;
        let (s, cp) = initial(&spec(range), Some(stored.clone()), 5);
        assert_eq!(
            (s, cp.cursor, cp.rows),
            (JobState::Queued, 300_000, 5),
            "crash: resume at the cursor"
        );

        stored.state = JobState::Paused;
        assert_eq!(
            initial(&spec(range), Some(stored.clone()), 5).0,
            JobState::Paused
        );

        // The range now ends later: a done job has more to do.
        stored.state = JobState::Done;
        stored.cursor = 600_000;
        let longer = TimeRange::new(0, 900_000).unwrap();
        let (s, cp) = initial(&spec(longer), Some(stored.clone()), 5);
        assert_eq!(
            (s, cp.cursor, cp.range),
            (JobState::Queued, 600_000, longer)
        );

        // The range now starts earlier: start over.
        stored.range = TimeRange::new(60_000, 600_000).unwrap();
        let (s, cp) = initial(&spec(range), Some(stored), 5);
        assert_eq!((s, cp.cursor, cp.rows), (JobState::Queued, 0, 0));
    }
}
