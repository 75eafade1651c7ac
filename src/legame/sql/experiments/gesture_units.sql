-- experiments/gesture_units: the gratitude program as an experiment. One row per gesture
-- whose whole follow-up (given_at, given_at + $followup_days days] ends by $as_of, with:
--   its trigger, arm and cost;
--   outcomes in the follow-up: completed orders and revenue, an unsubscribe on any
--     channel, the latest NPS answer;
--   the customer before the gesture (pre-treatment, so a segment cannot be moved by the
--     gesture itself): completed orders and revenue in the $pre_days days before it (the
--     covariates CUPED adjusts for), the NPS group of the latest answer before it, and
--     the RFM segment at the gesture (recency and frequency quintiles among the
--     gestures, equal values in one quintile, with the segment rules every surface uses).
WITH g AS (
    SELECT gesture_id, customer_id, COALESCE(trigger, kind) AS trigger,
           COALESCE(arm, 'treatment') AS arm, CAST(COALESCE(cost, 0) AS DOUBLE) AS cost,
           given_at
    FROM gestures
    WHERE given_at IS NOT NULL AND given_at <= $as_of - INTERVAL $followup_days DAY
),
after AS (
    SELECT g.gesture_id, COUNT(o.order_id) AS orders_after,
           COALESCE(SUM(CAST(o.amount AS DOUBLE)), 0.0) AS spend_after
    FROM g
    LEFT JOIN orders o
        ON o.customer_id = g.customer_id AND o.status = 'completed'
       AND o.ordered_at > g.given_at
       AND o.ordered_at <= g.given_at + INTERVAL $followup_days DAY
    GROUP BY g.gesture_id
),
before AS (
    SELECT g.gesture_id,
           COUNT(o.order_id) AS orders_before,
           MAX(o.ordered_at) AS last_order_before,
           CAST(SUM(CASE WHEN o.ordered_at > g.given_at - INTERVAL $pre_days DAY
                         THEN 1 ELSE 0 END) AS BIGINT) AS pre_orders,
           COALESCE(SUM(CASE WHEN o.ordered_at > g.given_at - INTERVAL $pre_days DAY
                             THEN CAST(o.amount AS DOUBLE) ELSE 0.0 END), 0.0) AS pre_revenue
    FROM g
    LEFT JOIN orders o
        ON o.customer_id = g.customer_id AND o.status = 'completed'
       AND o.ordered_at <= g.given_at
    GROUP BY g.gesture_id
),
unsubscribed AS (
    SELECT DISTINCT g.gesture_id
    FROM g
    JOIN messages m
        ON m.customer_id = g.customer_id AND m.unsubscribed_at IS NOT NULL
       AND m.unsubscribed_at > g.given_at
       AND m.unsubscribed_at <= g.given_at + INTERVAL $followup_days DAY
),
nps_after AS (
    SELECT gesture_id, nps FROM (
        SELECT g.gesture_id, r.nps,
               ROW_NUMBER() OVER (PARTITION BY g.gesture_id ORDER BY {{ newest_answer_first }}) AS k
        FROM g
        JOIN survey_responses r
            ON r.customer_id = g.customer_id AND r.nps IS NOT NULL
           AND r.answered_at > g.given_at
           AND r.answered_at <= g.given_at + INTERVAL $followup_days DAY) ranked
    WHERE k = 1
),
nps_before AS (
    SELECT gesture_id, nps FROM (
        SELECT g.gesture_id, r.nps,
               ROW_NUMBER() OVER (PARTITION BY g.gesture_id ORDER BY {{ newest_answer_first }}) AS k
        FROM g
        JOIN survey_responses r
            ON r.customer_id = g.customer_id AND r.nps IS NOT NULL
           AND r.answered_at <= g.given_at) ranked
    WHERE k = 1
),
tiles AS (
    SELECT b.gesture_id, b.orders_before,
           DATE_DIFF('second', b.last_order_before, g.given_at) AS since_last,
           NTILE(5) OVER (
               PARTITION BY b.orders_before = 0
               ORDER BY DATE_DIFF('second', b.last_order_before, g.given_at) DESC) AS r_tile,
           NTILE(5) OVER (PARTITION BY b.orders_before = 0 ORDER BY b.orders_before) AS f_tile
    FROM before b
    JOIN g ON g.gesture_id = b.gesture_id
),
-- Equal values, equal scores, as in customer_scores (legame.metrics.rfm): each gesture
-- takes the quintile NTILE gives the first of those holding its value, the smallest of
-- their tiles. NTILE alone splits a run of equal values at a quintile's start in whatever
-- order the rows come, which differed between runs.
scored AS (
    SELECT gesture_id,
           CASE WHEN orders_before = 0 THEN NULL
                ELSE MIN(r_tile) OVER (PARTITION BY orders_before = 0, since_last) END
               AS r_score,
           CASE WHEN orders_before = 0 THEN NULL
                ELSE MIN(f_tile) OVER (PARTITION BY orders_before) END AS f_score
    FROM tiles
)
SELECT g.gesture_id, g.customer_id, g.trigger, g.arm, g.cost, g.given_at,
       a.orders_after, a.spend_after,
       CASE WHEN u.gesture_id IS NULL THEN 0 ELSE 1 END AS unsubscribed_after,
       na.nps AS nps_after,
       b.pre_orders, b.pre_revenue,
       CASE WHEN nb.nps IS NULL THEN 'none'
            WHEN nb.nps >= $promoter_min THEN 'promoter'
            WHEN nb.nps <= $detractor_max THEN 'detractor'
            ELSE 'passive' END AS nps_group,
       {{ rfm_segment }} AS rfm_segment
FROM g
JOIN after a ON a.gesture_id = g.gesture_id
JOIN before b ON b.gesture_id = g.gesture_id
JOIN scored s ON s.gesture_id = g.gesture_id
LEFT JOIN unsubscribed u ON u.gesture_id = g.gesture_id
LEFT JOIN nps_after na ON na.gesture_id = g.gesture_id
LEFT JOIN nps_before nb ON nb.gesture_id = g.gesture_id
ORDER BY g.given_at, g.gesture_id
