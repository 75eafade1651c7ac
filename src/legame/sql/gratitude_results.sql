-- Gratitude results: one row per gesture given before as_of with its trigger, arm and
-- cost, whether its follow-up (given_at, given_at + followup_days] ends by as_of, the
-- completed orders and revenue in that follow-up, and the latest NPS answered in it.
WITH follow AS (
    SELECT
        g.gesture_id, g.customer_id, COALESCE(g.trigger, g.kind) AS trigger,
        COALESCE(g.arm, 'treatment') AS arm, CAST(COALESCE(g.cost, 0) AS DOUBLE) AS cost,
        g.given_at,
        CASE WHEN g.given_at <= $as_of - INTERVAL $followup_days DAY THEN 1 ELSE 0 END
            AS full_followup
    FROM gestures g
    WHERE g.given_at IS NOT NULL AND g.given_at < $as_of
),
bought AS (
    SELECT f.gesture_id, COUNT(o.order_id) AS orders_after,
           COALESCE(SUM(CAST(o.amount AS DOUBLE)), 0.0) AS spend_after
    FROM follow f
    LEFT JOIN orders o
        ON o.customer_id = f.customer_id AND o.status = 'completed'
       AND o.ordered_at > f.given_at
       AND o.ordered_at <= f.given_at + INTERVAL $followup_days DAY
       AND o.ordered_at < $as_of
    GROUP BY f.gesture_id
),
answered AS (
    SELECT gesture_id, nps_after FROM (
        SELECT f.gesture_id, r.nps AS nps_after,
               ROW_NUMBER() OVER (PARTITION BY f.gesture_id ORDER BY {{ newest_answer_first }}) AS k
        FROM follow f
        JOIN survey_responses r
            ON r.customer_id = f.customer_id AND r.nps IS NOT NULL
           AND r.answered_at > f.given_at
           AND r.answered_at <= f.given_at + INTERVAL $followup_days DAY
           AND r.answered_at < $as_of) ranked
    WHERE k = 1
)
SELECT f.gesture_id, f.customer_id, f.trigger, f.arm, f.cost, f.given_at, f.full_followup,
       b.orders_after, b.spend_after, a.nps_after
FROM follow f
JOIN bought b ON b.gesture_id = f.gesture_id
LEFT JOIN answered a ON a.gesture_id = f.gesture_id
ORDER BY f.given_at, f.gesture_id
