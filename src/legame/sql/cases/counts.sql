-- cases/counts: how many cases there are per kind, status, arm (in the randomized holdout or
-- not) and overdue at $as_of (defs/case_overdue): counts only, no customer data.
SELECT kind, status, COALESCE(arm = 'holdout', FALSE) AS holdout,
       {{ case_overdue }} AS overdue, count(*) AS cases
FROM cases
GROUP BY ALL
ORDER BY ALL
