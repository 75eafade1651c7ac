-- Findings: every completed order before as_of, in each customer's time order (the
-- purchase occasions of the latent-dropout model).
SELECT customer_id, order_id, ordered_at
FROM orders
WHERE status = 'completed' AND ordered_at < $as_of
ORDER BY customer_id, ordered_at, order_id
