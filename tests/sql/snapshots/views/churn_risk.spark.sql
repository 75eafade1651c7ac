/* The overview's churn risk: customers, revenue of the last 12 months and CLV per churn */
/* risk (customers without purchases have none). */
SELECT
  churn_risk,
  COUNT(*) AS customers,
  SUM(revenue_12m) AS revenue_12m,
  SUM(clv) AS clv
FROM customer_scores
WHERE
  NOT churn_risk IS NULL
GROUP BY
  churn_risk
ORDER BY
  churn_risk NULLS LAST
