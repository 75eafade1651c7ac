/* Covariates: the customer_id of every customer in the summary (_summary), in the order of */
/* covariates/histories: what the covariate patterns of `score --covariates` are keyed by. */
SELECT
  customer_id
FROM _summary
ORDER BY
  customer_id NULLS LAST
