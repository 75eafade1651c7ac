-- Covariates, time-varying: at each repeat purchase (occasion j >= 1 of
-- defs/purchase_occasions), the contact pressure the customer was under: the messages (any
-- channel, any kind) received in the $window_days days up to it (the window of
-- defs/contact_pressure_sends), as a band of defs/contact_band (0 low, 1 mid, 2 high), in
-- customer_id, j order.
WITH occ AS (
    {{ purchase_occasions }}
),
events AS (
    SELECT customer_id, sent_at AS event_at, 1 AS is_message, -1 AS j
    FROM messages
    WHERE sent_at < $as_of
    UNION ALL
    SELECT customer_id, first_at AS event_at, 0 AS is_message, j
    FROM occ
    WHERE j >= 1
),
counted AS (
    SELECT
        customer_id,
        j,
        is_message,
        SUM(is_message) OVER (
            PARTITION BY customer_id ORDER BY event_at
            RANGE BETWEEN INTERVAL $window_days DAY PRECEDING AND CURRENT ROW
        ) AS prior_messages
    FROM events
)
SELECT {{ contact_band }} AS value
FROM counted
WHERE is_message = 0
ORDER BY customer_id, j
