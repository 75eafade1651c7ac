-- experiments/contact_test_units: the units of a contact-frequency test. A customer enters
-- at their first marketing message (a campaign that is not transactional) on the test's
-- channel ($every_channel, or $channel) in [$start, $end); they count once their
-- $followup_days-day follow-up after entering ends by $as_of. Per customer: the entry,
-- what happened in the follow-up (entered_at, entered_at + $followup_days days]: an
-- unsubscribe or a complaint (any message), a completed order, the revenue of completed
-- orders, marketing messages received; and the covariates of the $pre_days days before
-- entering (completed orders and revenue).
WITH entered AS (
    SELECT m.customer_id, MIN(m.sent_at) AS entered_at
    FROM messages m
    LEFT JOIN campaigns c ON c.campaign_id = m.campaign_id
    WHERE m.sent_at >= $start AND m.sent_at < $end
      AND COALESCE(c.kind, '') <> 'transactional'
      AND ($every_channel OR m.channel = $channel)
    GROUP BY m.customer_id
),
units AS (
    SELECT customer_id, entered_at FROM entered
    WHERE entered_at <= $as_of - INTERVAL $followup_days DAY
),
reacted AS (
    SELECT u.customer_id,
           MAX(CASE WHEN m.unsubscribed_at > u.entered_at
                     AND m.unsubscribed_at <= u.entered_at + INTERVAL $followup_days DAY
                    THEN 1 ELSE 0 END) AS unsubscribed,
           MAX(CASE WHEN m.complained_at > u.entered_at
                     AND m.complained_at <= u.entered_at + INTERVAL $followup_days DAY
                    THEN 1 ELSE 0 END) AS complained,
           SUM(CASE WHEN m.sent_at >= u.entered_at
                     AND m.sent_at <= u.entered_at + INTERVAL $followup_days DAY
                    THEN 1 ELSE 0 END) AS messages
    FROM units u
    JOIN messages m ON m.customer_id = u.customer_id
    GROUP BY u.customer_id
),
bought AS (
    SELECT u.customer_id,
           SUM(CASE WHEN o.ordered_at > u.entered_at THEN 1 ELSE 0 END) AS orders_after,
           SUM(CASE WHEN o.ordered_at > u.entered_at THEN CAST(o.amount AS DOUBLE) ELSE 0.0 END)
               AS revenue_after,
           SUM(CASE WHEN o.ordered_at <= u.entered_at THEN 1 ELSE 0 END) AS pre_orders,
           SUM(CASE WHEN o.ordered_at <= u.entered_at THEN CAST(o.amount AS DOUBLE) ELSE 0.0 END)
               AS pre_revenue
    FROM units u
    JOIN orders o
        ON o.customer_id = u.customer_id AND o.status = 'completed'
       AND o.ordered_at > u.entered_at - INTERVAL $pre_days DAY
       AND o.ordered_at <= u.entered_at + INTERVAL $followup_days DAY
    GROUP BY u.customer_id
)
SELECT u.customer_id, u.entered_at,
       COALESCE(r.unsubscribed, 0) AS unsubscribed,
       COALESCE(r.complained, 0) AS complained,
       CASE WHEN COALESCE(b.orders_after, 0) > 0 THEN 1 ELSE 0 END AS repurchased,
       COALESCE(b.revenue_after, 0.0) AS revenue,
       CAST(COALESCE(r.messages, 0) AS BIGINT) AS messages,
       CAST(COALESCE(b.pre_orders, 0) AS BIGINT) AS pre_orders,
       COALESCE(b.pre_revenue, 0.0) AS pre_revenue
FROM units u
LEFT JOIN reacted r ON r.customer_id = u.customer_id
LEFT JOIN bought b ON b.customer_id = u.customer_id
ORDER BY u.entered_at, u.customer_id
