-- Findings: each scored customer's CLV from customer_scores (built by `legame score`).
SELECT customer_id, CAST(clv AS DOUBLE) AS clv
FROM customer_scores
