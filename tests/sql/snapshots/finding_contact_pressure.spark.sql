/* Findings: contact pressure. Each message's pressure is the number of messages (any */
/* channel, any kind) the customer received in the 30 days before it */
/* (defs/contact_pressure_sends); the band is low (< 5), mid, or high (>= 9) */
/* (defs/contact_band). Per customer and band: messages, */
/* unsubscribes and complaints they caused (recorded before as_of), and, among messages */
/* sent at least 180 days before as_of, how many were followed by a completed */
/* order within 180 days. */
WITH sends AS (
  SELECT
    customer_id,
    sent_at,
    CASE
      WHEN NOT unsubscribed_at IS NULL
      AND unsubscribed_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
      THEN 1
      ELSE 0
    END AS unsubscribed,
    CASE
      WHEN NOT complained_at IS NULL
      AND complained_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
      THEN 1
      ELSE 0
    END AS complained,
    COUNT(*) OVER (
      PARTITION BY customer_id
      ORDER BY sent_at NULLS LAST
      RANGE BETWEEN INTERVAL '30' DAY PRECEDING AND CURRENT ROW
    ) - 1 AS prior_messages
  FROM messages
  WHERE
    sent_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
), events AS (
  SELECT
    customer_id,
    sent_at AS event_at,
    0 AS is_order,
    unsubscribed,
    complained,
    prior_messages
  FROM sends
  UNION ALL
  SELECT
    customer_id,
    ordered_at AS event_at,
    1 AS is_order,
    0 AS unsubscribed,
    0 AS complained,
    0 AS prior_messages
  FROM orders
  WHERE
    status = 'completed'
    AND ordered_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
), followed AS (
  SELECT
    customer_id,
    event_at,
    is_order,
    unsubscribed,
    complained,
    prior_messages,
    MIN(CASE WHEN is_order = 1 THEN event_at END) OVER (
      PARTITION BY customer_id
      ORDER BY event_at NULLS LAST, is_order NULLS LAST
      ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
    ) AS next_order_at
  FROM events
), banded AS (
  SELECT
    customer_id,
    CASE WHEN prior_messages >= 9 THEN 2 WHEN prior_messages >= 5 THEN 1 ELSE 0 END AS band,
    unsubscribed,
    complained,
    CASE
      WHEN event_at <= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '180' DAY
      THEN 1
      ELSE 0
    END AS observed,
    CASE
      WHEN event_at <= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '180' DAY
      AND next_order_at <= event_at + INTERVAL '180' DAY
      THEN 1
      ELSE 0
    END AS purchased
  FROM followed
  WHERE
    is_order = 0
)
SELECT
  customer_id,
  band,
  COUNT(*) AS messages,
  SUM(unsubscribed) AS unsubscribes,
  SUM(complained) AS complaints,
  SUM(observed) AS observed,
  SUM(purchased) AS purchased
FROM banded
GROUP BY
  customer_id,
  band
ORDER BY
  customer_id NULLS LAST,
  band NULLS LAST
