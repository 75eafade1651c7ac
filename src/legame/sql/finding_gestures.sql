-- Findings: gratitude gestures and what followed. One row per gesture given before as_of:
-- its arm (treatment or holdout), trigger, whether its follow-up (given_at, given_at +
-- $followup_days days] ends by as_of, and the completed orders and their revenue in that
-- follow-up.
SELECT
    g.gesture_id,
    g.customer_id,
    COALESCE(g.trigger, g.kind) AS trigger,
    COALESCE(g.arm, 'treatment') AS arm,
    g.given_at,
    CASE WHEN g.given_at <= $as_of - INTERVAL $followup_days DAY THEN 1 ELSE 0 END
        AS full_followup,
    COUNT(o.order_id) AS orders_after,
    COALESCE(SUM(CAST(o.amount AS DOUBLE)), 0.0) AS spend_after
FROM gestures g
LEFT JOIN orders o
    ON o.customer_id = g.customer_id
   AND o.status = 'completed'
   AND o.ordered_at > g.given_at
   AND o.ordered_at <= g.given_at + INTERVAL $followup_days DAY
   AND o.ordered_at < $as_of
WHERE g.given_at IS NOT NULL AND g.given_at < $as_of
GROUP BY g.gesture_id, g.customer_id, COALESCE(g.trigger, g.kind), COALESCE(g.arm, 'treatment'),
         g.given_at
ORDER BY g.given_at, g.gesture_id
