/* validate/churn_risk: the churn risk of each calibration row (_risk: row i, the model's */
/* probability of no purchase in the holdout and expected gap between purchases, the */
/* history and the service flags at the cutoff), by the one rule the scores use */
/* (defs/churn_risk), in row order. */
SELECT
  i,
  CASE
    WHEN p_no_purchase IS NULL
    THEN NULL
    WHEN p_no_purchase >= 0.8
    THEN 'high'
    WHEN p_no_purchase >= 0.5
    OR poor_tickets_90d > 0
    OR NOT recency IS NULL
    AND T - recency > 2 * expected_gap
    THEN 'medium'
    ELSE 'low'
  END AS churn_risk
FROM _risk
ORDER BY
  i NULLS LAST
