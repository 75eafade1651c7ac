-- The customer 360: the customer's profile (bound: $1 the customer id).
SELECT customer_id, created_at, email, phone, country, language, time_zone, implicit
FROM customers
WHERE customer_id = $1
