-- cases/queue_keys: every case of the queue that passes its filters (defs/case_filter:
-- bound $1 .. $7), as what sorts it: its customer (whose CLV, read from the server's kept
-- copy of the scores, sorts it first), its due date and its id.
WITH q AS (
    SELECT *, {{ case_overdue }} AS overdue FROM cases
),
picked AS (
    SELECT * FROM q WHERE {{ case_filter }}
)
SELECT case_id, customer_id, due_at
FROM picked
