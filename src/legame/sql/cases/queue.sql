-- cases/queue: one page of the case queue (defs/case_filter: bound $1 .. $7), with the CLV
-- and churn risk the cases opened with (the workspace has no customer_scores), sorted by
-- $8 (bound): 'clv' the highest CLV first, else the earliest due date first; $9 the page
-- size, $10 the rows before the page.
WITH q AS (
    SELECT *, {{ case_overdue }} AS overdue FROM cases
),
picked AS (
    SELECT * FROM q WHERE {{ case_filter }}
)
SELECT p.*, p.clv_at_open AS clv, p.churn_risk_at_open AS churn_risk
FROM picked p
ORDER BY CASE WHEN $8 = 'clv' THEN p.clv_at_open END DESC NULLS LAST, p.due_at, p.case_id
LIMIT $9 OFFSET $10
