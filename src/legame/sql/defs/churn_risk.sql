-- Churn risk, one rule for every model, read by the scores (customer_scores) and by holdout
-- validation (validate/churn_risk): 'high' when the probability of no purchase in the
-- horizon (p_no_purchase) is 0.8 or more; 'medium' when it is 0.5 or more, after a poor
-- support experience in the last 90 days (poor_tickets_90d, as customer_voice counts them
-- by defs/poor_ticket: slow, unresolved past its deadline or badly rated), or after a
-- silence longer than twice the customer's expected gap between purchases (T - recency >
-- 2 expected_gap); else 'low'. NULL without a prediction (a customer without purchases).
-- A ticket merely open is no signal: customers who write in are mostly customers who buy,
-- and counting it made the ranking worse (docs/scores.md).
CASE
    WHEN p_no_purchase IS NULL THEN NULL
    WHEN p_no_purchase >= 0.8 THEN 'high'
    WHEN p_no_purchase >= 0.5 OR poor_tickets_90d > 0
         OR recency IS NOT NULL AND T - recency > 2 * expected_gap THEN 'medium'
    ELSE 'low'
END
