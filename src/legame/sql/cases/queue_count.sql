-- cases/queue_count: how many cases pass the queue's filters (defs/case_filter: bound
-- $1 .. $7).
WITH q AS (
    SELECT *, {{ case_overdue }} AS overdue FROM cases
)
SELECT count(*) AS total FROM q WHERE {{ case_filter }}
