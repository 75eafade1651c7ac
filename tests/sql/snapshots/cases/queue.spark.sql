/* cases/queue: one page of the case queue (defs/case_filter: bound $1 .. $7), with the CLV */
/* and churn risk the cases opened with (the workspace has no customer_scores), sorted by */
/* $8 (bound): 'clv' the highest CLV first, else the earliest due date first; $9 the page */
/* size, $10 the rows before the page. */
WITH q AS (
  SELECT
    *,
    (
      status = 'new'
      AND due_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
      AND arm IS DISTINCT FROM 'holdout'
    ) AS overdue
  FROM cases
), picked AS (
  SELECT
    *
  FROM q
  WHERE
    (
      CAST(:1 AS STRING) IS NULL OR status = :1
    )
    AND (
      CAST(:2 AS STRING) IS NULL OR owner = :2
    )
    AND (
      CAST(:3 AS STRING) IS NULL OR kind = :3
    )
    AND (
      CAST(:4 AS BOOLEAN) IS NULL OR overdue = :4
    )
    AND (
      CAST(:5 AS BOOLEAN) OR arm IS DISTINCT FROM 'holdout'
    )
    AND (
      CAST(:6 AS TIMESTAMP_NTZ) IS NULL OR event_at >= :6
    )
    AND (
      CAST(:7 AS TIMESTAMP_NTZ) IS NULL OR event_at < :7
    )
)
SELECT
  p.*,
  p.clv_at_open AS clv,
  p.churn_risk_at_open AS churn_risk
FROM picked AS p
ORDER BY
  CASE WHEN :8 = 'clv' THEN p.clv_at_open END DESC,
  p.due_at NULLS LAST,
  p.case_id NULLS LAST
LIMIT :9
OFFSET :10
