-- The customer list: how many customers pass its filters (defs/customer_filter: bound
-- $1 .. $5).
SELECT count(*) AS total
FROM (
    SELECT s.*, {{ customer_keys }}
    FROM customer_scores s
    JOIN customers c USING (customer_id)
)
WHERE {{ customer_filter }}
