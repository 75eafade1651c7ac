-- The customer 360: the customer's scores (bound: $1 the customer id).
SELECT * FROM customer_scores WHERE customer_id = $1
