/* cases/queue_at: the cases of the queue with the bound ids ($1, a list), as cases/queue */
/* gives them (with overdue), for the caller to put in the page's order. */
WITH q AS (
  SELECT
    *,
    (
      status = 'new'
      AND due_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
      AND arm IS DISTINCT FROM 'holdout'
    ) AS overdue
  FROM cases
)
SELECT
  *
FROM q
WHERE
  case_id IN (
    SELECT
      EXPLODE(:1)
  )
