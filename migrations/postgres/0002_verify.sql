-- Verification (issue 7). Timestamps are timestamptz (UTC).

-- Gaps `verify` found, as work: the engine's gap jobs re-fetch exactly these ranges and settle
-- them. `open`: to fetch; `fixed`: fetched and rows arrived; `empty`: fetched and the exchange
-- had nothing (kept across verify runs so an exchange outage is not re-fetched forever).
-- `kind`: `missing` rows, or `stale` derived rows (basis rows whose inputs changed or vanished).
CREATE TABLE backfill_gaps (
    pipeline   text NOT NULL
               CHECK (pipeline IN ('futures', 'perpetuals', 'funding', 'index', 'basis')),
    instrument text NOT NULL,
    gap_start  timestamptz NOT NULL,
    gap_end    timestamptz NOT NULL,
    kind       text NOT NULL DEFAULT 'missing' CHECK (kind IN ('missing', 'stale')),
    state      text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'fixed', 'empty')),
    found_at   timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (pipeline, instrument, gap_start),
    CHECK (gap_end > gap_start)
);

-- Candles that failed the OHLC sanity check, moved out of their table by `verify` with the
-- reason (never silently dropped). Their minutes count as accounted for, not as gaps: the
-- exchange would serve the same candle again.
CREATE TABLE quarantined_candles (
    table_name     text NOT NULL CHECK (table_name IN ('futures_ohlcv', 'perpetuals_ohlcv')),
    instrument     text NOT NULL,
    timestamp      timestamptz NOT NULL,
    expiry_date    date,
    open           double precision,
    high           double precision,
    low            double precision,
    close          double precision,
    volume         double precision,
    cost           double precision,
    reason         text NOT NULL,
    quarantined_at timestamptz NOT NULL,
    PRIMARY KEY (table_name, instrument, timestamp)
);
