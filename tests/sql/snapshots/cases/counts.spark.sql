/* cases/counts: how many cases there are per kind, status, arm (in the randomized holdout or */
/* not) and overdue at TIMESTAMP '2026-01-01 00:00:00' (defs/case_overdue), among the cases opened in the period */
/* [$1, $2) (defs/case_event_in: bound, off when NULL): counts only, no customer data. */
SELECT
  kind,
  status,
  COALESCE(arm = 'holdout', FALSE) AS holdout,
  (
    status = 'new'
    AND due_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
    AND arm IS DISTINCT FROM 'holdout'
  ) AS overdue,
  COUNT(*) AS cases
FROM cases
WHERE
  (
    CAST(:1 AS TIMESTAMP_NTZ) IS NULL OR event_at >= :1
  )
  AND (
    CAST(:2 AS TIMESTAMP_NTZ) IS NULL OR event_at < :2
  )
GROUP BY ALL
ORDER BY
  ALL NULLS LAST
