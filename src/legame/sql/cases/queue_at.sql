-- cases/queue_at: the cases of the queue with the bound ids ($1, a list), as cases/queue
-- gives them (with overdue), for the caller to put in the page's order.
WITH q AS (
    SELECT *, {{ case_overdue }} AS overdue FROM cases
)
SELECT *
FROM q
WHERE case_id IN (SELECT unnest($1))
