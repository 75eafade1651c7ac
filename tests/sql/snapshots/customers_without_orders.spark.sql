/* The rows of customer_value for the customers with no completed order up to the cutoff: */
/* no purchase history, zero orders and revenue. Appended (by column name) to the summary */
/* rows already in customer_value, and only when customers outnumber them: orders ingest */
/* adds every customer it meets to customers, so otherwise there are none. */
SELECT
  c.customer_id,
  CAST(0 AS BIGINT) AS orders,
  CAST(0 AS DOUBLE) AS revenue,
  CAST(0 AS DOUBLE) AS revenue_12m
FROM customers AS c
WHERE
  NOT EXISTS(
    SELECT
      1
    FROM customer_value AS v
    WHERE
      v.customer_id = c.customer_id
  )
