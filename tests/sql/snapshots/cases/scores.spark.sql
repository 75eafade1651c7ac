/* cases/scores: the current CLV and churn risk (customer_scores, built by `legame score`) of */
/* some customers (bound: $1 the list of customer ids). */
SELECT
  customer_id,
  CAST(clv AS DOUBLE) AS clv,
  CAST(churn_risk AS STRING) AS churn_risk
FROM customer_scores
WHERE
  customer_id IN (
    SELECT
      EXPLODE(:1)
  )
