/* Covariates: the purchase history of every customer in the summary (_summary), in */
/* customer_id order: the order every covariate query of this folder returns its rows in, */
/* one row per customer (static covariates) or per repeat purchase (time-varying ones). */
SELECT
  frequency,
  recency,
  T,
  monetary_value
FROM _summary
ORDER BY
  customer_id NULLS LAST
