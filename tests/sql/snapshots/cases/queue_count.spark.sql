/* cases/queue_count: how many cases pass the queue's filters (defs/case_filter: bound */
/* $1 .. $7). */
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
  COUNT(*) AS total
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
