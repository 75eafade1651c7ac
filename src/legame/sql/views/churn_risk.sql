-- The overview's churn risk: customers, revenue of the last 12 months and CLV per churn
-- risk (customers without purchases have none).
SELECT churn_risk, count(*) AS customers, sum(revenue_12m) AS revenue_12m, sum(clv) AS clv
FROM customer_scores
WHERE churn_risk IS NOT NULL
GROUP BY churn_risk
ORDER BY churn_risk
