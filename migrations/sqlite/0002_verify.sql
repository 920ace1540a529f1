-- Verification (issue 7). Timestamps are INTEGER epoch milliseconds (UTC).

-- Gaps `verify` found, as work: the engine's gap jobs re-fetch exactly these ranges and settle
-- them. `open`: to fetch; `fixed`: fetched and rows arrived; `empty`: fetched and the exchange
-- had nothing (kept across verify runs so an exchange outage is not re-fetched forever).
-- `kind`: `missing` rows, or `stale` derived rows (basis rows whose inputs changed or vanished).
CREATE TABLE backfill_gaps (
    pipeline   TEXT NOT NULL
               CHECK (pipeline IN ('futures', 'perpetuals', 'funding', 'index', 'basis')),
    instrument TEXT NOT NULL,
    gap_start  INTEGER NOT NULL,
    gap_end    INTEGER NOT NULL,
    kind       TEXT NOT NULL DEFAULT 'missing' CHECK (kind IN ('missing', 'stale')),
    state      TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'fixed', 'empty')),
    found_at   INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (pipeline, instrument, gap_start),
    CHECK (gap_end > gap_start)
);

-- Candles that failed the OHLC sanity check, moved out of their table by `verify` with the
-- reason (never silently dropped). Their minutes count as accounted for, not as gaps: the
-- exchange would serve the same candle again.
CREATE TABLE quarantined_candles (
    table_name     TEXT NOT NULL CHECK (table_name IN ('futures_ohlcv', 'perpetuals_ohlcv')),
    instrument     TEXT NOT NULL,
    timestamp      INTEGER NOT NULL,
    expiry_date    TEXT,
    open           REAL,
    high           REAL,
    low            REAL,
    close          REAL,
    volume         REAL,
    cost           REAL,
    reason         TEXT NOT NULL,
    quarantined_at INTEGER NOT NULL,
    PRIMARY KEY (table_name, instrument, timestamp)
) WITHOUT ROWID;
