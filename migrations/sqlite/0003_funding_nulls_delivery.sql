-- Issue 12: what the real exchange sends.

-- Every number of a funding row may be null (BTC-PERPETUAL's first row has no
-- prev_index_price): the value columns become nullable. SQLite cannot drop NOT NULL in place,
-- so the table is rebuilt (same name, same key, same rows).
CREATE TABLE funding_rates_v3 (
    instrument       TEXT NOT NULL,
    timestamp        INTEGER NOT NULL,
    funding_rate     REAL,
    interest_1h      REAL,
    index_price      REAL,
    prev_index_price REAL,
    PRIMARY KEY (instrument, timestamp)
) WITHOUT ROWID;
INSERT INTO funding_rates_v3 SELECT instrument, timestamp, funding_rate, interest_1h, index_price,
    prev_index_price FROM funding_rates;
DROP TABLE funding_rates;
ALTER TABLE funding_rates_v3 RENAME TO funding_rates;

-- Funding rows the client could not read (no usable timestamp, a number that is not a number,
-- an impossible price): the raw row as received and the reason, so one bad row never stops the
-- pipeline. `timestamp` is NULL when it could not be read. Keyed by the raw text: the same row
-- fetched again is not stored twice.
CREATE TABLE quarantined_funding (
    instrument     TEXT NOT NULL,
    raw            TEXT NOT NULL,
    timestamp      INTEGER,
    reason         TEXT NOT NULL,
    quarantined_at INTEGER NOT NULL,
    PRIMARY KEY (instrument, raw)
);

-- Daily delivery prices: the 07:30-08:00 UTC average of the index, a price of its own. They
-- used to be stored as the 08:00 minute of index_prices, which they are not.
CREATE TABLE delivery_prices (
    currency TEXT NOT NULL,
    date     TEXT NOT NULL,
    price    REAL NOT NULL,
    PRIMARY KEY (currency, date)
) WITHOUT ROWID;
INSERT OR REPLACE INTO delivery_prices (currency, date, price)
    SELECT currency, strftime('%Y-%m-%d', timestamp / 1000, 'unixepoch'), price
    FROM index_prices WHERE source = 'delivery';
UPDATE row_counts SET rows = rows - (
        SELECT count(*) FROM index_prices
        WHERE index_prices.currency = row_counts.instrument AND source = 'delivery')
    WHERE table_name = 'index_prices';
-- The 08:00 minutes they occupied are re-derived by the next index run (verify records them).
DELETE FROM index_prices WHERE source = 'delivery';
CREATE TRIGGER index_prices_no_delivery_insert BEFORE INSERT ON index_prices
    WHEN NEW.source = 'delivery'
    BEGIN SELECT RAISE(ABORT, 'delivery prices belong in delivery_prices'); END;
CREATE TRIGGER index_prices_no_delivery_update BEFORE UPDATE OF source ON index_prices
    WHEN NEW.source = 'delivery'
    BEGIN SELECT RAISE(ABORT, 'delivery prices belong in delivery_prices'); END;
