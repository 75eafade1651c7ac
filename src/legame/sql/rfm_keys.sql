-- The keys of the RFM quintiles, one row per customer with orders: scoring finds each
-- quintile's cut (the key just before NTILE(5) OVER (ORDER BY key) starts it) by selection,
-- not by sorting.
SELECT last_order_at, frequency, revenue
FROM _summary
