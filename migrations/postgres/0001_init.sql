-- deribit-backfill schema, PostgreSQL flavour. Timestamps are timestamptz (UTC).
-- Table and column names follow DESIGN.md (the operators' queries).

CREATE TABLE instruments (
    instrument        text PRIMARY KEY,
    kind              text NOT NULL CHECK (kind IN ('future', 'perpetual', 'option', 'spot')),
    currency          text NOT NULL,
    settlement_period text,
    creation_ts       timestamptz,
    expiration_ts     timestamptz,
    is_active         boolean NOT NULL DEFAULT false,
    discovered_from   text NOT NULL CHECK (discovered_from IN ('api', 'calendar', 'both')),
    data_status       text NOT NULL DEFAULT 'unknown'
                      CHECK (data_status IN ('unknown', 'available', 'unavailable')),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE futures_ohlcv (
    instrument  text NOT NULL,
    timestamp   timestamptz NOT NULL,
    expiry_date date NOT NULL,
    open        double precision NOT NULL,
    high        double precision NOT NULL,
    low         double precision NOT NULL,
    close       double precision NOT NULL,
    volume      double precision NOT NULL,
    cost        double precision NOT NULL,
    PRIMARY KEY (instrument, timestamp)
);

CREATE TABLE perpetuals_ohlcv (
    instrument text NOT NULL,
    timestamp  timestamptz NOT NULL,
    open       double precision NOT NULL,
    high       double precision NOT NULL,
    low        double precision NOT NULL,
    close      double precision NOT NULL,
    volume     double precision NOT NULL,
    cost       double precision NOT NULL,
    PRIMARY KEY (instrument, timestamp)
);

-- funding_rate is the trailing 8-hour rate (interest_8h).
CREATE TABLE funding_rates (
    instrument       text NOT NULL,
    timestamp        timestamptz NOT NULL,
    funding_rate     double precision NOT NULL,
    interest_1h      double precision NOT NULL,
    index_price      double precision NOT NULL,
    prev_index_price double precision NOT NULL,
    PRIMARY KEY (instrument, timestamp)
);

CREATE TABLE index_prices (
    currency  text NOT NULL,
    timestamp timestamptz NOT NULL,
    price     double precision NOT NULL,
    source    text NOT NULL
              CHECK (source IN ('delivery', 'funding_history', 'index_chart', 'perpetual_close')),
    PRIMARY KEY (currency, timestamp)
);

-- One row per minute where a future and its perpetual (same base and settlement:
-- BTC-27DEC24 -> BTC-PERPETUAL, BTC_USDC-27DEC24 -> BTC_USDC-PERPETUAL) both have a candle.
-- Same arithmetic as BasisPoint::compute in float8: spread = fut - perp,
-- pct = spread / perp * 100, days = (expiry 08:00 UTC - ts) in ms / 86,400,000.
CREATE MATERIALIZED VIEW futures_basis_spread AS
SELECT f.instrument,
       f.timestamp,
       f.close                              AS futures_price,
       p.close                              AS perpetual_price,
       f.close - p.close                    AS basis_spread,
       (f.close - p.close) / p.close * 100  AS basis_spread_pct,
       (extract(epoch FROM ((f.expiry_date + time '08:00') AT TIME ZONE 'UTC') - f.timestamp)
            * 1000)::double precision / 86400000::double precision AS days_to_expiry
FROM futures_ohlcv f
JOIN perpetuals_ohlcv p
  ON p.instrument = split_part(f.instrument, '-', 1) || '-PERPETUAL'
 AND p.timestamp = f.timestamp
WITH DATA;

-- Required by REFRESH MATERIALIZED VIEW CONCURRENTLY, and the readers' access path.
CREATE UNIQUE INDEX futures_basis_spread_pkey ON futures_basis_spread (instrument, timestamp);

-- The checkpoint of a job, written in the same transaction as the rows it covers.
CREATE TABLE backfill_progress (
    pipeline    text NOT NULL
                CHECK (pipeline IN ('instruments', 'futures', 'perpetuals', 'funding', 'index', 'basis')),
    instrument  text NOT NULL,
    range_start timestamptz NOT NULL,
    range_end   timestamptz NOT NULL,
    cursor      timestamptz NOT NULL,
    state       text NOT NULL
                CHECK (state IN ('queued', 'running', 'pausing', 'paused', 'backoff', 'failed',
                                 'done', 'unavailable', 'cancelled')),
    rows        bigint NOT NULL CHECK (rows >= 0),
    requests    bigint NOT NULL CHECK (requests >= 0),
    retries     bigint NOT NULL CHECK (retries >= 0),
    last_error  text,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (pipeline, instrument),
    CHECK (range_end >= range_start)
);

CREATE TABLE collector_heartbeats (
    collector_id text PRIMARY KEY,
    host         text NOT NULL,
    pid          integer NOT NULL,
    started_at   timestamptz NOT NULL,
    last_beat_at timestamptz NOT NULL,
    instruments  text NOT NULL DEFAULT '',
    rows_written bigint NOT NULL DEFAULT 0,
    last_error   text
);

-- Store bookkeeping: rows per (table, instrument), maintained in the same transaction as every
-- write, so the dashboard's row counts cost one small read at any table size.
CREATE TABLE row_counts (
    table_name text NOT NULL,
    instrument text NOT NULL,
    rows       bigint NOT NULL DEFAULT 0,
    updated    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (table_name, instrument)
);
