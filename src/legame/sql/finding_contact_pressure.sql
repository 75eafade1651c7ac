-- Findings: contact pressure. Each message's pressure is the number of messages (any
-- channel, any kind) the customer received in the $window_days days before it
-- (defs/contact_pressure_sends); the band is low (< $mid_from), mid, or high (>= $high_from)
-- (defs/contact_band). Per customer and band: messages,
-- unsubscribes and complaints they caused (recorded before as_of), and, among messages
-- sent at least $followup_days days before as_of, how many were followed by a completed
-- order within $followup_days days.
WITH sends AS (
    {{ contact_pressure_sends }}
),
events AS (
    SELECT customer_id, sent_at AS event_at, 0 AS is_order, unsubscribed, complained,
           prior_messages
    FROM sends
    UNION ALL
    SELECT customer_id, ordered_at AS event_at, 1 AS is_order, 0 AS unsubscribed, 0 AS complained,
           0 AS prior_messages
    FROM orders
    WHERE status = 'completed' AND ordered_at < $as_of
),
followed AS (
    SELECT
        customer_id, event_at, is_order, unsubscribed, complained, prior_messages,
        MIN(CASE WHEN is_order = 1 THEN event_at END) OVER (
            PARTITION BY customer_id ORDER BY event_at, is_order
            ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
        ) AS next_order_at
    FROM events
),
banded AS (
    SELECT
        customer_id,
        {{ contact_band }} AS band,
        unsubscribed,
        complained,
        CASE WHEN event_at <= $as_of - INTERVAL $followup_days DAY THEN 1 ELSE 0 END AS observed,
        CASE WHEN event_at <= $as_of - INTERVAL $followup_days DAY
                  AND next_order_at <= event_at + INTERVAL $followup_days DAY THEN 1 ELSE 0 END
            AS purchased
    FROM followed
    WHERE is_order = 0
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
GROUP BY customer_id, band
ORDER BY customer_id, band
