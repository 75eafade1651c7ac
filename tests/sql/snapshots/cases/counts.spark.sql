/* cases/counts: how many cases there are per kind, status, arm (in the randomized holdout or */
/* not) and overdue at TIMESTAMP '2026-01-01 00:00:00' (defs/case_overdue): counts only, no customer data. */
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
GROUP BY ALL
ORDER BY
  ALL NULLS LAST
