-- preferences/store/known_customers: which of a list of ids are customers (bound: $1 the
-- list of customer ids).
SELECT DISTINCT customer_id
FROM customers
WHERE customer_id IN (SELECT unnest($1))
