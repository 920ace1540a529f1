-- Issue 12: what the real exchange sends.

-- Every number of a funding row may be null (BTC-PERPETUAL's first row has no
-- prev_index_price).
ALTER TABLE funding_rates
    ALTER COLUMN funding_rate DROP NOT NULL,
    ALTER COLUMN interest_1h DROP NOT NULL,
    ALTER COLUMN index_price DROP NOT NULL,
    ALTER COLUMN prev_index_price DROP NOT NULL;

-- Funding rows the client could not read (no usable timestamp, a number that is not a number,
-- an impossible price): the raw row as received and the reason, so one bad row never stops the
-- pipeline. `timestamp` is NULL when it could not be read. Keyed by the raw text: the same row
-- fetched again is not stored twice.
CREATE TABLE quarantined_funding (
    instrument     text NOT NULL,
    raw            text NOT NULL,
    timestamp      timestamptz,
    reason         text NOT NULL,
    quarantined_at timestamptz NOT NULL,
    PRIMARY KEY (instrument, raw)
);

-- Daily delivery prices: the 07:30-08:00 UTC average of the index, a price of its own. They
-- used to be stored as the 08:00 minute of index_prices, which they are not.
CREATE TABLE delivery_prices (
    currency text NOT NULL,
    date     date NOT NULL,
    price    double precision NOT NULL,
    PRIMARY KEY (currency, date)
);
INSERT INTO delivery_prices (currency, date, price)
    SELECT currency, (timestamp AT TIME ZONE 'UTC')::date, price
    FROM index_prices WHERE source = 'delivery'
    ON CONFLICT (currency, date) DO UPDATE SET price = EXCLUDED.price;
UPDATE row_counts SET rows = rows - d.n
    FROM (SELECT currency, count(*) AS n FROM index_prices WHERE source = 'delivery'
          GROUP BY currency) d
    WHERE row_counts.table_name = 'index_prices' AND row_counts.instrument = d.currency;
-- The 08:00 minutes they occupied are re-derived by the next index run (verify records them).
DELETE FROM index_prices WHERE source = 'delivery';
ALTER TABLE index_prices DROP CONSTRAINT IF EXISTS index_prices_source_check;
ALTER TABLE index_prices ADD CONSTRAINT index_prices_source_check
    CHECK (source IN ('funding_history', 'index_chart', 'perpetual_close'));
