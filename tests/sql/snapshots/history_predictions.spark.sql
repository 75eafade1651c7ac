/* The purchase model's predictions once per distinct (frequency, recency, T) history, */
/* stored for the view customer_scores to join: far fewer rows than customers, and nothing */
/* per customer to write after the fit. _predictions is what scoring.predictions computed, */
/* the probability of no purchase and the 90 % interval of purchases in the horizon and the */
/* standard deviation of ln(discounted purchases) from the fit's covariance included. Each */
/* row has the covariate pattern 0 (none) and the spend model's gamma with its covariances */
/* with ln p and ln q: the parameters that `score --covariates` makes per pattern */
/* (covariates/history_predictions). */
SELECT
  CAST(0 AS INT) AS pattern,
  frequency,
  recency,
  T,
  expected_purchases,
  p_alive,
  expected_gap,
  discounted_purchases,
  p_no_purchase,
  purchases_low,
  purchases_high,
  discounted_log_sd,
  CAST(CAST('20.0' AS DOUBLE) AS DOUBLE) AS spend_gamma,
  CAST(CAST('-0.002' AS DOUBLE) AS DOUBLE) AS spend_cov_pg,
  CAST(CAST('-0.002' AS DOUBLE) AS DOUBLE) AS spend_cov_qg,
  CAST(CAST('0.01' AS DOUBLE) AS DOUBLE) AS spend_cov_gg
FROM _predictions
