/* cases/queue_keys: every case of the queue that passes its filters (defs/case_filter: */
/* bound $1 .. $7), as what sorts it: its customer (whose CLV, read from the server's kept */
/* copy of the scores, sorts it first), its due date and its id. */
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
  case_id,
  customer_id,
  due_at
FROM picked
