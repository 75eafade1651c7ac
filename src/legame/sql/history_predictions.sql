-- The purchase model's predictions once per distinct (frequency, recency, T) history,
-- stored for the view customer_scores to join: far fewer rows than customers, and nothing
-- per customer to write after the fit. _predictions is what scoring.predictions computed,
-- the probability of no purchase and the 90 % interval of purchases in the horizon and the
-- standard deviation of ln(discounted purchases) from the fit's covariance included. Each
-- row has the covariate pattern 0 (none) and the spend model's gamma with its covariances
-- with ln p and ln q: the parameters that `score --covariates` makes per pattern
-- (covariates/history_predictions).
SELECT CAST(0 AS INTEGER) AS pattern, frequency, recency, T, expected_purchases, p_alive,
    expected_gap, discounted_purchases, p_no_purchase, purchases_low, purchases_high,
    discounted_log_sd,
    CAST($gamma AS DOUBLE) AS spend_gamma,
    CAST($spend_cov_pg AS DOUBLE) AS spend_cov_pg,
    CAST($spend_cov_qg AS DOUBLE) AS spend_cov_qg,
    CAST($spend_cov_gg AS DOUBLE) AS spend_cov_gg
FROM _predictions
