-- cases/counts: how many cases there are per kind, status, arm (in the randomized holdout or
-- not) and overdue at $as_of (defs/case_overdue), among the cases opened in the period
-- [$1, $2) (defs/case_event_in: bound, off when NULL): counts only, no customer data.
SELECT kind, status, COALESCE(arm = 'holdout', FALSE) AS holdout,
       {{ case_overdue }} AS overdue, count(*) AS cases
FROM cases
WHERE {{ case_event_in }}
GROUP BY ALL
ORDER BY ALL
