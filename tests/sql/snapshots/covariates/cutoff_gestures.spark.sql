/* Covariates, time-varying, at the cutoff: how many gestures of gratitude each summary */
/* customer (in customer_id order) had received before TIMESTAMP '2026-01-01 00:00:00', as covariates/gestures counts */
/* them at a purchase (holdout-arm gestures were withheld, so not received). `score */
/* --covariates` holds it over the forecast. */
SELECT
  COUNT(g.given_at) AS value
FROM _summary AS s
LEFT JOIN gestures AS g
  ON g.customer_id = s.customer_id
  AND g.given_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
  AND COALESCE(g.arm, 'treatment') <> 'holdout'
GROUP BY
  s.customer_id
ORDER BY
  s.customer_id NULLS LAST
