-- Findings: one row per customer with a completed order or a survey answer. Orders and
-- spend before the outcome window [window_start, as_of), orders and revenue in it (completed
-- orders only), and the latest survey answer answered before the window (NPS may be NULL
-- when that answer skipped it). Used by emotion_vs_satisfaction, satisfaction_is_not_loyalty
-- and high_spend_is_not_loyalty.
WITH outcomes AS (
    SELECT
        customer_id,
        SUM(CASE WHEN ordered_at < $window_start THEN 1 ELSE 0 END) AS orders_before,
        SUM(CASE WHEN ordered_at < $window_start THEN CAST(amount AS DOUBLE) ELSE 0 END)
            AS spend_before,
        SUM(CASE WHEN ordered_at >= $window_start THEN 1 ELSE 0 END) AS orders_window,
        SUM(CASE WHEN ordered_at >= $window_start THEN CAST(amount AS DOUBLE) ELSE 0 END)
            AS revenue_window
    FROM orders
    WHERE status = 'completed' AND ordered_at < $as_of
    GROUP BY customer_id
),
latest AS (
    SELECT * FROM (
        SELECT
            customer_id, answered_at, nps, csat,
            emo_stand_out, emo_confident_future, emo_well_being, emo_freedom, emo_thrill,
            emo_belonging, emo_environment, emo_self_identity, emo_secure, emo_success,
            ROW_NUMBER() OVER (PARTITION BY customer_id
                               ORDER BY {{ newest_answer_first }}) AS k
        FROM survey_responses
        WHERE answered_at < $window_start
    ) ranked
    WHERE k = 1
)
SELECT
    COALESCE(o.customer_id, l.customer_id) AS customer_id,
    COALESCE(o.orders_before, 0) AS orders_before,
    COALESCE(o.spend_before, 0.0) AS spend_before,
    COALESCE(o.orders_window, 0) AS orders_window,
    COALESCE(o.revenue_window, 0.0) AS revenue_window,
    l.answered_at,
    l.nps,
    l.csat,
    l.emo_stand_out, l.emo_confident_future, l.emo_well_being, l.emo_freedom, l.emo_thrill,
    l.emo_belonging, l.emo_environment, l.emo_self_identity, l.emo_secure, l.emo_success
FROM outcomes o
FULL OUTER JOIN latest l ON l.customer_id = o.customer_id
ORDER BY customer_id
