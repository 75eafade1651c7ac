/* The default cutoff of the score and of the findings: the day of the latest completed */
/* order before TIMESTAMP '2026-01-01 00:00:00' (midnight after today, so that an order dated in the future, a typo */
/* such as 2099, never moves it past today). */
SELECT
  MAX(CAST(ordered_at AS DATE)) AS last_order_day
FROM orders
WHERE
  status = 'completed'
  AND ordered_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
