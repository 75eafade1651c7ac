-- The purchase model's predictions once per distinct (frequency, recency, T) history,
-- stored for the view customer_scores to join: far fewer rows than customers, and nothing
-- per customer to write after the fit. _predictions is what scoring.predictions computed.
SELECT frequency, recency, T, expected_purchases, p_alive, expected_gap, discounted_purchases
FROM _predictions
