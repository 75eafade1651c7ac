/* Findings: every completed order before as_of, in each customer's time order (the */
/* purchase occasions of the latent-dropout model). */
SELECT
  customer_id,
  order_id,
  ordered_at
FROM orders
WHERE
  status = 'completed'
  AND ordered_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
ORDER BY
  customer_id NULLS LAST,
  ordered_at NULLS LAST,
  order_id NULLS LAST
