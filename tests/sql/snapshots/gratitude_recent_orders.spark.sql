/* The gratitude program's recent orders, kept by the program for the fee_forgiveness and */
/* milestone_thanks queries beside gratitude_history: the completed orders after */
/* window_start up to as_of (the orders gratitude_history does not count one by one). */
SELECT
  customer_id,
  order_id,
  ordered_at
FROM orders
WHERE
  status = 'completed'
  AND ordered_at > CAST('2025-07-04 00:00:00' AS TIMESTAMP_NTZ)
  AND ordered_at <= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
