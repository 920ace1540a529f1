-- Issue 12: the history host as a listing source, and where a job's data really starts.

-- `history`: listed by history.deribit.com (every expired future); `history_calendar`: that
-- listing and the expiry calendar together.
ALTER TABLE instruments DROP CONSTRAINT IF EXISTS instruments_discovered_from_check;
ALTER TABLE instruments ADD CONSTRAINT instruments_discovered_from_check
    CHECK (discovered_from IN ('api', 'calendar', 'both', 'history', 'history_calendar'));

-- The first candle the exchange returned when the job searched for it (a future known only
-- from the calendar). NULL: not searched. `verify` judges coverage from here.
ALTER TABLE backfill_progress ADD COLUMN data_start timestamptz;
