/* experiments/audience_outcomes: the customers a test could reach at TIMESTAMP '2025-10-03 00:00:00' (a completed */
/* order or a message in the 365 days before it) and, per customer, what happened in the */
/* window [TIMESTAMP '2025-10-03 00:00:00', TIMESTAMP '2025-12-31 00:00:00'): repurchase (a completed order), revenue of completed orders, an */
/* unsubscribe or a complaint on any channel, the latest NPS answer; with the covariates */
/* of the 180 days before TIMESTAMP '2025-10-03 00:00:00'. The base rates and spreads a test is planned on. */
WITH active AS (
  SELECT
    customer_id
  FROM orders
  WHERE
    status = 'completed'
    AND ordered_at < CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
    AND ordered_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '365' DAY
  UNION
  SELECT
    customer_id
  FROM messages
  WHERE
    sent_at < CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
    AND sent_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '365' DAY
), bought AS (
  SELECT
    o.customer_id,
    SUM(
      CASE
        WHEN o.ordered_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
        THEN 1
        ELSE 0
      END
    ) AS orders_in,
    SUM(
      CASE
        WHEN o.ordered_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
        THEN CAST(o.amount AS DOUBLE)
        ELSE 0.0
      END
    ) AS revenue_in,
    SUM(
      CASE
        WHEN o.ordered_at < CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
        THEN 1
        ELSE 0
      END
    ) AS pre_orders,
    SUM(
      CASE
        WHEN o.ordered_at < CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
        THEN CAST(o.amount AS DOUBLE)
        ELSE 0.0
      END
    ) AS pre_revenue
  FROM orders AS o
  WHERE
    o.status = 'completed'
    AND o.ordered_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ)
    AND o.ordered_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '180' DAY
  GROUP BY
    o.customer_id
), reacted AS (
  SELECT
    customer_id,
    MAX(
      CASE
        WHEN unsubscribed_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
        AND unsubscribed_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ)
        THEN 1
        ELSE 0
      END
    ) AS unsubscribed,
    MAX(
      CASE
        WHEN complained_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
        AND complained_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ)
        THEN 1
        ELSE 0
      END
    ) AS complained
  FROM messages
  WHERE
    (
      unsubscribed_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
      AND unsubscribed_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ)
    )
    OR (
      complained_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
      AND complained_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ)
    )
  GROUP BY
    customer_id
), answered AS (
  SELECT
    customer_id,
    nps
  FROM (
    SELECT
      customer_id,
      nps,
      ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY answered_at DESC, response_id DESC) AS k
    FROM survey_responses
    WHERE
      NOT nps IS NULL
      AND answered_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
      AND answered_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ)
  ) AS ranked
  WHERE
    k = 1
)
SELECT
  a.customer_id,
  CASE WHEN COALESCE(b.orders_in, 0) > 0 THEN 1 ELSE 0 END AS repurchased,
  COALESCE(b.revenue_in, 0.0) AS revenue,
  COALESCE(r.unsubscribed, 0) AS unsubscribed,
  COALESCE(r.complained, 0) AS complained,
  n.nps,
  CAST(COALESCE(b.pre_orders, 0) AS BIGINT) AS pre_orders,
  COALESCE(b.pre_revenue, 0.0) AS pre_revenue
FROM active AS a
LEFT JOIN bought AS b
  ON b.customer_id = a.customer_id
LEFT JOIN reacted AS r
  ON r.customer_id = a.customer_id
LEFT JOIN answered AS n
  ON n.customer_id = a.customer_id
ORDER BY
  a.customer_id NULLS LAST
