/* Covariates: each summary customer's first completed order up to the end of the until */
/* day (the earliest; ties broken by order_id): its value and its channel, in customer_id */
/* order. */
SELECT
  f.first_order_value,
  f.first_order_channel
FROM _summary AS s
LEFT JOIN (
  SELECT
    customer_id,
    MIN_BY(CAST(amount AS DOUBLE), (ordered_at, order_id)) AS first_order_value,
    MIN_BY(channel, (ordered_at, order_id)) AS first_order_channel
  FROM orders
  WHERE
    status = 'completed'
    AND ordered_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ) + INTERVAL '1' DAY
  GROUP BY
    customer_id
) AS f
  ON f.customer_id = s.customer_id
ORDER BY
  s.customer_id NULLS LAST
