/* experiments/contact_test_units: the units of a contact-frequency test. A customer enters */
/* at their first marketing message (a campaign that is not transactional) on the test's */
/* channel (FALSE, or 'email') in [TIMESTAMP '2025-10-03 00:00:00', TIMESTAMP '2025-12-31 00:00:00'); they count once their */
/* 180-day follow-up after entering ends by TIMESTAMP '2026-01-01 00:00:00'. Per customer: the entry, */
/* what happened in the follow-up (entered_at, entered_at + 180 days]: an */
/* unsubscribe or a complaint (any message), a completed order, the revenue of completed */
/* orders, marketing messages received; and the covariates of the 180 days before */
/* entering (completed orders and revenue). */
WITH entered AS (
  SELECT
    m.customer_id,
    MIN(m.sent_at) AS entered_at
  FROM messages AS m
  LEFT JOIN campaigns AS c
    ON c.campaign_id = m.campaign_id
  WHERE
    m.sent_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
    AND m.sent_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ)
    AND COALESCE(c.kind, '') <> 'transactional'
    AND (
      FALSE OR m.channel = 'email'
    )
  GROUP BY
    m.customer_id
), units AS (
  SELECT
    customer_id,
    entered_at
  FROM entered
  WHERE
    entered_at <= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '180' DAY
), reacted AS (
  SELECT
    u.customer_id,
    MAX(
      CASE
        WHEN m.unsubscribed_at > u.entered_at
        AND m.unsubscribed_at <= u.entered_at + INTERVAL '180' DAY
        THEN 1
        ELSE 0
      END
    ) AS unsubscribed,
    MAX(
      CASE
        WHEN m.complained_at > u.entered_at
        AND m.complained_at <= u.entered_at + INTERVAL '180' DAY
        THEN 1
        ELSE 0
      END
    ) AS complained,
    SUM(
      CASE
        WHEN m.sent_at >= u.entered_at AND m.sent_at <= u.entered_at + INTERVAL '180' DAY
        THEN 1
        ELSE 0
      END
    ) AS messages
  FROM units AS u
  JOIN messages AS m
    ON m.customer_id = u.customer_id
  GROUP BY
    u.customer_id
), bought AS (
  SELECT
    u.customer_id,
    SUM(CASE WHEN o.ordered_at > u.entered_at THEN 1 ELSE 0 END) AS orders_after,
    SUM(CASE WHEN o.ordered_at > u.entered_at THEN CAST(o.amount AS DOUBLE) ELSE 0.0 END) AS revenue_after,
    SUM(CASE WHEN o.ordered_at <= u.entered_at THEN 1 ELSE 0 END) AS pre_orders,
    SUM(
      CASE WHEN o.ordered_at <= u.entered_at THEN CAST(o.amount AS DOUBLE) ELSE 0.0 END
    ) AS pre_revenue
  FROM units AS u
  JOIN orders AS o
    ON o.customer_id = u.customer_id
    AND o.status = 'completed'
    AND o.ordered_at > u.entered_at - INTERVAL '180' DAY
    AND o.ordered_at <= u.entered_at + INTERVAL '180' DAY
  GROUP BY
    u.customer_id
)
SELECT
  u.customer_id,
  u.entered_at,
  COALESCE(r.unsubscribed, 0) AS unsubscribed,
  COALESCE(r.complained, 0) AS complained,
  CASE WHEN COALESCE(b.orders_after, 0) > 0 THEN 1 ELSE 0 END AS repurchased,
  COALESCE(b.revenue_after, 0.0) AS revenue,
  CAST(COALESCE(r.messages, 0) AS BIGINT) AS messages,
  CAST(COALESCE(b.pre_orders, 0) AS BIGINT) AS pre_orders,
  COALESCE(b.pre_revenue, 0.0) AS pre_revenue
FROM units AS u
LEFT JOIN reacted AS r
  ON r.customer_id = u.customer_id
LEFT JOIN bought AS b
  ON b.customer_id = u.customer_id
ORDER BY
  u.entered_at NULLS LAST,
  u.customer_id NULLS LAST
