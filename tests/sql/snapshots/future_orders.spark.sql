/* Completed orders dated at or after TIMESTAMP '2026-01-01 00:00:00' (midnight after today): what the default */
/* cutoff leaves out. */
SELECT
  COUNT(*) AS future_orders
FROM orders
WHERE
  status = 'completed'
  AND ordered_at >= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
