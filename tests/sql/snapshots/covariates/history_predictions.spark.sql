/* `score --covariates`: the table history_predictions (see history_predictions.sql) from the */
/* covariate models' predictions once per distinct (covariate pattern, history), each row */
/* with its pattern's spend parameter (Gamma-Gamma's gamma with the pattern's covariates) and */
/* that parameter's covariances with ln p and ln q (ln gamma's with itself: spend_cov_gg). */
SELECT
  pattern,
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
  spend_gamma,
  spend_cov_pg,
  spend_cov_qg,
  spend_cov_gg
FROM _predictions
