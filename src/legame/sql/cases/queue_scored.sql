-- cases/queue_scored: cases/queue with each customer's current CLV and churn risk (from
-- customer_scores, built by `legame score`) beside the values the case opened with.
WITH q AS (
    SELECT *, {{ case_overdue }} AS overdue FROM cases
),
picked AS (
    SELECT * FROM q WHERE {{ case_filter }}
)
SELECT p.*, s.clv, s.churn_risk
FROM picked p
LEFT JOIN customer_scores s ON s.customer_id = p.customer_id
ORDER BY CASE WHEN $8 = 'clv' THEN s.clv END DESC NULLS LAST, p.due_at, p.case_id
LIMIT $9 OFFSET $10
