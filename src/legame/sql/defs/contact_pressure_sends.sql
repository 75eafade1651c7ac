-- Every message sent before $as_of with its contact pressure: prior_messages, how many
-- messages (any channel, any kind) the customer received in the $window_days days before
-- it; and whether it caused an unsubscribe or a complaint recorded before as_of (1 or 0).
SELECT
    customer_id,
    sent_at,
    CASE WHEN unsubscribed_at IS NOT NULL AND unsubscribed_at < $as_of THEN 1 ELSE 0 END
        AS unsubscribed,
    CASE WHEN complained_at IS NOT NULL AND complained_at < $as_of THEN 1 ELSE 0 END
        AS complained,
    COUNT(*) OVER (
        PARTITION BY customer_id ORDER BY sent_at
        RANGE BETWEEN INTERVAL $window_days DAY PRECEDING AND CURRENT ROW
    ) - 1 AS prior_messages
FROM messages
WHERE sent_at < $as_of
