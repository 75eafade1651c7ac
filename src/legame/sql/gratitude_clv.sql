-- The gratitude program: the CLV of the customers of eligible fees, for the trigger's
-- min_clv (bound: $1 the list of customer ids).
SELECT customer_id, clv
FROM customer_scores
WHERE customer_id IN (SELECT unnest($1))
