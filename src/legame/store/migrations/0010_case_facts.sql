-- 0010: what made a poor-service case, as facts, so that the dashboard says it in its
-- reader's language (`detail` keeps the English words, for the API and the command line):
-- the ticket's category, the deadlines of defs/poor_ticket it missed (the first response
-- within slow_response_hours hours, the resolution within slow_resolution_days days) and
-- its CSAT when that was low enough (low_csat). NULL: not that (and, for a detractor case,
-- all NULL). The cases opened before keep their facts, read back from their detail (which
-- legame wrote in one fixed form). No new personal data: the table keeps its customer_id,
-- so `legame forget` still erases these rows with the customer's.
ALTER TABLE cases ADD COLUMN ticket_category VARCHAR;
ALTER TABLE cases ADD COLUMN slow_response_hours INTEGER;
ALTER TABLE cases ADD COLUMN slow_resolution_days INTEGER;
ALTER TABLE cases ADD COLUMN low_csat INTEGER;
UPDATE cases SET
    ticket_category = (
        SELECT any_value(t.category) FROM tickets t
        WHERE t.ticket_id = substr(cases.source_key, length('ticket:') + 1)
    ),
    slow_response_hours = TRY_CAST(
        regexp_extract(detail, '(?:: |; )no first response within (\d+) h(?:;|$)', 1) AS INTEGER
    ),
    slow_resolution_days = TRY_CAST(
        regexp_extract(detail, '(?:: |; )not resolved within (\d+) days(?:;|$)', 1) AS INTEGER
    ),
    low_csat = TRY_CAST(regexp_extract(detail, '(?:: |; )rated (\d+)/5(?:;|$)', 1) AS INTEGER)
WHERE kind = 'poor_service';
