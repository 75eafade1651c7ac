-- Completed orders dated at or after $before (midnight after today): what the default
-- cutoff leaves out.
SELECT count(*) AS future_orders
FROM orders
WHERE status = 'completed' AND ordered_at >= $before
