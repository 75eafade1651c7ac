-- cases/record_opened: the first line of each new case's history (bound: $1 the case ids).
INSERT INTO case_events (case_id, customer_id, "at", actor, action, status_before,
                         status_after, owner_before, owner_after, note, version)
SELECT case_id, customer_id, opened_at, 'legame', 'opened', NULL, status, NULL, owner,
       detail, version
FROM cases
WHERE case_id IN (SELECT unnest($1))
