-- Issue 12: the history host as a listing source, and where a job's data really starts.

-- `history`: listed by history.deribit.com (every expired future); `history_calendar`: that
-- listing and the expiry calendar together. SQLite cannot change a CHECK: rebuild the table.
CREATE TABLE instruments_new (
    instrument        TEXT PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('future', 'perpetual', 'option', 'spot')),
    currency          TEXT NOT NULL,
    settlement_period TEXT,
    creation_ts       INTEGER,
    expiration_ts     INTEGER,
    is_active         INTEGER NOT NULL DEFAULT 0,
    discovered_from   TEXT NOT NULL
                      CHECK (discovered_from IN ('api', 'calendar', 'both', 'history', 'history_calendar')),
    data_status       TEXT NOT NULL DEFAULT 'unknown'
                      CHECK (data_status IN ('unknown', 'available', 'unavailable')),
    updated_at        INTEGER NOT NULL
);
INSERT INTO instruments_new (instrument, kind, currency, settlement_period, creation_ts,
                             expiration_ts, is_active, discovered_from, data_status, updated_at)
    SELECT instrument, kind, currency, settlement_period, creation_ts, expiration_ts, is_active,
           discovered_from, data_status, updated_at FROM instruments;
DROP TABLE instruments;
ALTER TABLE instruments_new RENAME TO instruments;

-- The first candle the exchange returned when the job searched for it (a future known only
-- from the calendar). NULL: not searched. `verify` judges coverage from here.
ALTER TABLE backfill_progress ADD COLUMN data_start INTEGER;
