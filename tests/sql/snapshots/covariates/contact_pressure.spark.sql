/* Covariates, time-varying: at each repeat purchase (occasion j >= 1 of */
/* defs/purchase_occasions), the contact pressure the customer was under: the messages (any */
/* channel, any kind) received in the 30 days up to it (the window of */
/* defs/contact_pressure_sends), as a band of defs/contact_band (0 low, 1 mid, 2 high), in */
/* customer_id, j order. */
WITH occ AS (
  SELECT
    customer_id,
    first_at,
    last_at,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY first_at NULLS LAST) - 1 AS j,
    LEAD(first_at) OVER (PARTITION BY customer_id ORDER BY first_at NULLS LAST) AS next_at
  FROM (
    SELECT
      customer_id,
      MIN(ordered_at) AS first_at,
      MAX(ordered_at) AS last_at
    FROM orders
    WHERE
      status = 'completed'
      AND ordered_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ) + INTERVAL '1' DAY
    GROUP BY
      customer_id,
      CASE WHEN TRUE THEN CAST(ordered_at AS DATE) ELSE ordered_at END
  ) AS occasions
), events AS (
  SELECT
    customer_id,
    sent_at AS event_at,
    1 AS is_message,
    -1 AS j
  FROM messages
  WHERE
    sent_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
  UNION ALL
  SELECT
    customer_id,
    first_at AS event_at,
    0 AS is_message,
    j
  FROM occ
  WHERE
    j >= 1
), counted AS (
  SELECT
    customer_id,
    j,
    is_message,
    SUM(is_message) OVER (
      PARTITION BY customer_id
      ORDER BY event_at NULLS LAST
      RANGE BETWEEN INTERVAL '30' DAY PRECEDING AND CURRENT ROW
    ) AS prior_messages
  FROM events
)
SELECT
  CASE WHEN prior_messages >= 9 THEN 2 WHEN prior_messages >= 5 THEN 1 ELSE 0 END AS value
FROM counted
WHERE
  is_message = 0
ORDER BY
  customer_id NULLS LAST,
  j NULLS LAST
