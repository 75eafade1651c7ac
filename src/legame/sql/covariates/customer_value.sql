-- `score --covariates`: the rows of the table customer_value (the summary, _summary, as
-- customer_summary makes it) with each customer's covariate pattern from _patterns
-- (customer_id, pattern: the key of history_predictions beside the history, as the
-- covariate models' forecasts group customers; 0 for a customer without one).
SELECT s.* EXCLUDE (pattern), COALESCE(p.pattern, 0) AS pattern
FROM _summary s
LEFT JOIN _patterns p ON p.customer_id = s.customer_id
