-- deribit-backfill schema, SQLite flavour. Timestamps are INTEGER epoch milliseconds (UTC);
-- dates are TEXT 'YYYY-MM-DD'. Table and column names follow DESIGN.md (the operators' queries).

CREATE TABLE instruments (
    instrument        TEXT PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('future', 'perpetual', 'option', 'spot')),
    currency          TEXT NOT NULL,
    settlement_period TEXT,
    creation_ts       INTEGER,
    expiration_ts     INTEGER,
    is_active         INTEGER NOT NULL DEFAULT 0,
    discovered_from   TEXT NOT NULL CHECK (discovered_from IN ('api', 'calendar', 'both')),
    data_status       TEXT NOT NULL DEFAULT 'unknown'
                      CHECK (data_status IN ('unknown', 'available', 'unavailable')),
    updated_at        INTEGER NOT NULL
);

-- Candle tables are clustered by (instrument, timestamp): one B-tree, no rowid.
CREATE TABLE futures_ohlcv (
    instrument  TEXT NOT NULL,
    timestamp   INTEGER NOT NULL,
    expiry_date TEXT NOT NULL,
    open        REAL NOT NULL,
    high        REAL NOT NULL,
    low         REAL NOT NULL,
    close       REAL NOT NULL,
    volume      REAL NOT NULL,
    cost        REAL NOT NULL,
    PRIMARY KEY (instrument, timestamp)
) WITHOUT ROWID;

CREATE TABLE perpetuals_ohlcv (
    instrument TEXT NOT NULL,
    timestamp  INTEGER NOT NULL,
    open       REAL NOT NULL,
    high       REAL NOT NULL,
    low        REAL NOT NULL,
    close      REAL NOT NULL,
    volume     REAL NOT NULL,
    cost       REAL NOT NULL,
    PRIMARY KEY (instrument, timestamp)
) WITHOUT ROWID;

-- funding_rate is the trailing 8-hour rate (interest_8h).
CREATE TABLE funding_rates (
    instrument       TEXT NOT NULL,
    timestamp        INTEGER NOT NULL,
    funding_rate     REAL NOT NULL,
    interest_1h      REAL NOT NULL,
    index_price      REAL NOT NULL,
    prev_index_price REAL NOT NULL,
    PRIMARY KEY (instrument, timestamp)
) WITHOUT ROWID;

CREATE TABLE index_prices (
    currency  TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    price     REAL NOT NULL,
    source    TEXT NOT NULL
              CHECK (source IN ('delivery', 'funding_history', 'index_chart', 'perpetual_close')),
    PRIMARY KEY (currency, timestamp)
) WITHOUT ROWID;

-- Rebuilt by the basis job (per future) from futures_ohlcv and perpetuals_ohlcv closes.
CREATE TABLE futures_basis_spread (
    instrument       TEXT NOT NULL,
    timestamp        INTEGER NOT NULL,
    futures_price    REAL NOT NULL,
    perpetual_price  REAL NOT NULL,
    basis_spread     REAL NOT NULL,
    basis_spread_pct REAL NOT NULL,
    days_to_expiry   REAL NOT NULL,
    PRIMARY KEY (instrument, timestamp)
) WITHOUT ROWID;

-- The checkpoint of a job, written in the same transaction as the rows it covers.
CREATE TABLE backfill_progress (
    pipeline    TEXT NOT NULL
                CHECK (pipeline IN ('instruments', 'futures', 'perpetuals', 'funding', 'index', 'basis')),
    instrument  TEXT NOT NULL,
    range_start INTEGER NOT NULL,
    range_end   INTEGER NOT NULL,
    cursor      INTEGER NOT NULL,
    state       TEXT NOT NULL
                CHECK (state IN ('queued', 'running', 'pausing', 'paused', 'backoff', 'failed',
                                 'done', 'unavailable', 'cancelled')),
    rows        INTEGER NOT NULL CHECK (rows >= 0),
    requests    INTEGER NOT NULL CHECK (requests >= 0),
    retries     INTEGER NOT NULL CHECK (retries >= 0),
    last_error  TEXT,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (pipeline, instrument),
    CHECK (range_end >= range_start)
);

CREATE TABLE collector_heartbeats (
    collector_id TEXT PRIMARY KEY,
    host         TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    last_beat_at INTEGER NOT NULL,
    instruments  TEXT NOT NULL DEFAULT '',
    rows_written INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT
);

-- Store bookkeeping: rows per (table, instrument), maintained in the same transaction as every
-- write, so the dashboard's row counts cost one small read at any table size.
-- `updated` counts rows changed in place (for a write-rate metric).
CREATE TABLE row_counts (
    table_name TEXT NOT NULL,
    instrument TEXT NOT NULL,
    rows       INTEGER NOT NULL DEFAULT 0,
    updated    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (table_name, instrument)
) WITHOUT ROWID;
