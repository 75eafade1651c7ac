/* cases/queue_scored: cases/queue with each customer's current CLV and churn risk (from */
/* customer_scores, built by `legame score`) beside the values the case opened with. */
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
  s.clv,
  s.churn_risk
FROM picked AS p
LEFT JOIN customer_scores AS s
  ON s.customer_id = p.customer_id
ORDER BY
  CASE WHEN :8 = 'clv' THEN s.clv END DESC,
  p.due_at NULLS LAST,
  p.case_id NULLS LAST
LIMIT :9
OFFSET :10
