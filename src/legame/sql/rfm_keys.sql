-- The keys of the RFM quintiles, one row per customer with orders: scoring finds where each
-- quintile starts (NTILE(5) OVER (ORDER BY key, customer_id)) by selection, not by sorting.
SELECT customer_id, last_order_at, frequency, revenue
FROM _summary
