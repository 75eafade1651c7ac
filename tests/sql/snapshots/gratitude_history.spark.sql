/* The gratitude program's order history, kept by the program for the fee_forgiveness and */
/* milestone_thanks queries so that the orders are grouped once for both: every customer */
/* with a completed order up to as_of, with the first of them and how many there were up */
/* to window_start (as_of less the longer of the two triggers' windows) and after it. */
/* Grouping every order once costs less than ranking them all (ROW_NUMBER over every */
/* order), or than first finding the customers who can have a milestone. */
SELECT
  customer_id,
  MIN(ordered_at) AS first_at,
  COUNT(*) FILTER(WHERE
    ordered_at <= CAST('2025-07-04 00:00:00' AS TIMESTAMP_NTZ)) AS orders_before,
  COUNT(*) FILTER(WHERE
    ordered_at > CAST('2025-07-04 00:00:00' AS TIMESTAMP_NTZ)) AS orders_after
FROM orders
WHERE
  status = 'completed'
  AND ordered_at <= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
GROUP BY
  customer_id
