-- validate/churn_risk: the churn risk of each calibration row (_risk: row i, the model's
-- probability of no purchase in the holdout and expected gap between purchases, the
-- history and the service flags at the cutoff), by the one rule the scores use
-- (defs/churn_risk), in row order.
SELECT i, {{ churn_risk }} AS churn_risk
FROM _risk
ORDER BY i
