-- cases/record_event: one line of a case's history (bound: $1 case id, $2 customer, $3 at,
-- $4 actor, $5 action, $6 status before, $7 after, $8 owner before, $9 after, $10 note,
-- $11 the case's version after the change).
INSERT INTO case_events (case_id, customer_id, "at", actor, action, status_before,
                         status_after, owner_before, owner_after, note, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
