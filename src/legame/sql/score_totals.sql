-- The totals of customer_scores that every surface reports (the score command, the
-- overview, the demo): the expected CLV of all customers; the value at risk, the revenue of
-- the last 12 months of the customers at high churn risk; and how many those customers are.
SELECT
    sum(clv) AS total_clv,
    sum(CASE WHEN churn_risk = 'high' THEN revenue_12m END) AS value_at_risk,
    count(CASE WHEN churn_risk = 'high' THEN 1 END) AS high_risk_customers
FROM customer_scores
