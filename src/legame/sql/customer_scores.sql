-- One row per customer: value (orders, RFM, CLV), voice (NPS, CSAT, CES, emotional
-- connection), service experience, contact pressure and churn risk. Reads the temporary
-- tables _summary (customer_summary), _predictions (the purchase model's predictions,
-- one row per distinct frequency/recency/T history) and _rfm_cuts (one row: where the
-- quintiles 2 to 5 of last order, frequency and revenue start, as key and customer_id, so
-- that each score is NTILE(5) OVER (ORDER BY key, customer_id) without sorting all
-- customers three times; a NULL cut, with fewer than five customers, starts no quintile).
-- Columns: docs/scores.md.
WITH
answers AS (
    SELECT
        customer_id, answered_at, nps, csat, ces,
        (COALESCE(emo_stand_out, 0) + COALESCE(emo_confident_future, 0)
         + COALESCE(emo_well_being, 0) + COALESCE(emo_freedom, 0) + COALESCE(emo_thrill, 0)
         + COALESCE(emo_belonging, 0) + COALESCE(emo_environment, 0)
         + COALESCE(emo_self_identity, 0) + COALESCE(emo_secure, 0) + COALESCE(emo_success, 0))
            AS emo_sum,
        (CASE WHEN emo_stand_out IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_confident_future IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_well_being IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_freedom IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_thrill IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_belonging IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_environment IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_self_identity IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_secure IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_success IS NULL THEN 0 ELSE 1 END) AS emo_items
    FROM survey_responses
    WHERE answered_at < $as_of
),
latest_nps AS (
    SELECT customer_id, nps, answered_at FROM (
        SELECT customer_id, nps, answered_at,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY answered_at DESC) AS k
        FROM answers WHERE nps IS NOT NULL) ranked
    WHERE k = 1
),
latest_csat AS (
    SELECT customer_id, csat FROM (
        SELECT customer_id, csat,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY answered_at DESC) AS k
        FROM answers WHERE csat IS NOT NULL) ranked
    WHERE k = 1
),
latest_ces AS (
    SELECT customer_id, ces FROM (
        SELECT customer_id, ces,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY answered_at DESC) AS k
        FROM answers WHERE ces IS NOT NULL) ranked
    WHERE k = 1
),
latest_emotion AS (
    SELECT customer_id, emotion FROM (
        SELECT customer_id,
               (CAST(emo_sum AS DOUBLE) / emo_items - 1) / 4 * 100 AS emotion,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY answered_at DESC) AS k
        FROM answers WHERE emo_items >= $min_motivator_items) ranked
    WHERE k = 1
),
service AS (
    SELECT
        customer_id,
        COUNT(*) AS tickets_90d,
        SUM(CASE WHEN first_response_at IS NULL AND opened_at < $as_of - INTERVAL $response_hours HOUR
                   OR first_response_at > opened_at + INTERVAL $response_hours HOUR
                 THEN 1 ELSE 0 END) AS slow_responses_90d,
        SUM(CASE WHEN csat <= $poor_csat THEN 1 ELSE 0 END) AS poor_csat_90d,
        SUM(CASE WHEN first_response_at IS NULL AND opened_at < $as_of - INTERVAL $response_hours HOUR
                   OR first_response_at > opened_at + INTERVAL $response_hours HOUR
                   OR resolved_at IS NULL AND opened_at < $as_of - INTERVAL $resolution_days DAY
                   OR resolved_at > opened_at + INTERVAL $resolution_days DAY
                   OR csat <= $poor_csat
                 THEN 1 ELSE 0 END) AS poor_tickets_90d
    FROM tickets
    WHERE opened_at >= $as_of - INTERVAL 90 DAY AND opened_at < $as_of
    GROUP BY customer_id
),
unresolved AS (
    SELECT customer_id, COUNT(*) AS unresolved_tickets
    FROM tickets
    WHERE opened_at < $as_of AND (resolved_at IS NULL OR resolved_at >= $as_of)
    GROUP BY customer_id
),
contact AS (
    SELECT
        customer_id,
        SUM(CASE WHEN sent_at >= $as_of - INTERVAL 7 DAY THEN 1 ELSE 0 END) AS sends_7d,
        COUNT(*) AS sends_30d,
        SUM(CASE WHEN channel = 'email' THEN 1 ELSE 0 END) AS sends_30d_email,
        SUM(CASE WHEN channel = 'sms' THEN 1 ELSE 0 END) AS sends_30d_sms,
        SUM(CASE WHEN channel = 'push' THEN 1 ELSE 0 END) AS sends_30d_push,
        SUM(CASE WHEN channel NOT IN ('email', 'sms', 'push') THEN 1 ELSE 0 END)
            AS sends_30d_other
    FROM messages
    WHERE sent_at >= $as_of - INTERVAL 30 DAY AND sent_at < $as_of
    GROUP BY customer_id
),
scored AS (
    SELECT
        c.customer_id,
        COALESCE(s.orders, 0) AS orders,
        COALESCE(s.revenue, 0.0) AS revenue,
        COALESCE(s.revenue_12m, 0.0) AS revenue_12m,
        s.first_order_at,
        s.last_order_at,
        s.frequency,
        s.recency,
        s.T,
        s.monetary_value,
        CASE WHEN s.customer_id IS NOT NULL THEN CAST(1
            + CASE WHEN s.last_order_at > q.r2 OR s.last_order_at = q.r2 AND s.customer_id >= q.r2_id
                   THEN 1 ELSE 0 END
            + CASE WHEN s.last_order_at > q.r3 OR s.last_order_at = q.r3 AND s.customer_id >= q.r3_id
                   THEN 1 ELSE 0 END
            + CASE WHEN s.last_order_at > q.r4 OR s.last_order_at = q.r4 AND s.customer_id >= q.r4_id
                   THEN 1 ELSE 0 END
            + CASE WHEN s.last_order_at > q.r5 OR s.last_order_at = q.r5 AND s.customer_id >= q.r5_id
                   THEN 1 ELSE 0 END AS BIGINT)
        END AS r_score,
        CASE WHEN s.customer_id IS NOT NULL THEN CAST(1
            + CASE WHEN s.frequency > q.f2 OR s.frequency = q.f2 AND s.customer_id >= q.f2_id
                   THEN 1 ELSE 0 END
            + CASE WHEN s.frequency > q.f3 OR s.frequency = q.f3 AND s.customer_id >= q.f3_id
                   THEN 1 ELSE 0 END
            + CASE WHEN s.frequency > q.f4 OR s.frequency = q.f4 AND s.customer_id >= q.f4_id
                   THEN 1 ELSE 0 END
            + CASE WHEN s.frequency > q.f5 OR s.frequency = q.f5 AND s.customer_id >= q.f5_id
                   THEN 1 ELSE 0 END AS BIGINT)
        END AS f_score,
        CASE WHEN s.customer_id IS NOT NULL THEN CAST(1
            + CASE WHEN s.revenue > q.m2 OR s.revenue = q.m2 AND s.customer_id >= q.m2_id
                   THEN 1 ELSE 0 END
            + CASE WHEN s.revenue > q.m3 OR s.revenue = q.m3 AND s.customer_id >= q.m3_id
                   THEN 1 ELSE 0 END
            + CASE WHEN s.revenue > q.m4 OR s.revenue = q.m4 AND s.customer_id >= q.m4_id
                   THEN 1 ELSE 0 END
            + CASE WHEN s.revenue > q.m5 OR s.revenue = q.m5 AND s.customer_id >= q.m5_id
                   THEN 1 ELSE 0 END AS BIGINT)
        END AS m_score,
        p.expected_purchases,
        p.p_alive,
        p.expected_gap,
        CASE WHEN s.frequency IS NULL THEN NULL
             WHEN s.frequency > 0
             THEN $p * ($gamma + s.frequency * s.monetary_value) / ($p * s.frequency + $q - 1)
             ELSE $p * $gamma / ($q - 1) END AS expected_spend,
        p.discounted_purchases,
        n.nps,
        n.answered_at AS nps_answered_at,
        cs.csat,
        ce.ces,
        e.emotion AS emotional_connection,
        COALESCE(sv.tickets_90d, 0) AS tickets_90d,
        COALESCE(u.unresolved_tickets, 0) AS unresolved_tickets,
        COALESCE(sv.slow_responses_90d, 0) AS slow_responses_90d,
        COALESCE(sv.poor_csat_90d, 0) AS poor_csat_90d,
        COALESCE(sv.poor_tickets_90d, 0) AS poor_tickets_90d,
        COALESCE(m.sends_7d, 0) AS sends_7d,
        COALESCE(m.sends_30d, 0) AS sends_30d,
        COALESCE(m.sends_30d_email, 0) AS sends_30d_email,
        COALESCE(m.sends_30d_sms, 0) AS sends_30d_sms,
        COALESCE(m.sends_30d_push, 0) AS sends_30d_push,
        COALESCE(m.sends_30d_other, 0) AS sends_30d_other
    FROM customers c
    CROSS JOIN _rfm_cuts q
    LEFT JOIN _summary s ON s.customer_id = c.customer_id
    LEFT JOIN _predictions p
        ON p.frequency = s.frequency AND p.recency = s.recency AND p.T = s.T
    LEFT JOIN latest_nps n ON n.customer_id = c.customer_id
    LEFT JOIN latest_csat cs ON cs.customer_id = c.customer_id
    LEFT JOIN latest_ces ce ON ce.customer_id = c.customer_id
    LEFT JOIN latest_emotion e ON e.customer_id = c.customer_id
    LEFT JOIN service sv ON sv.customer_id = c.customer_id
    LEFT JOIN unresolved u ON u.customer_id = c.customer_id
    LEFT JOIN contact m ON m.customer_id = c.customer_id
)
SELECT
    customer_id,
    orders, revenue, revenue_12m, first_order_at, last_order_at,
    frequency, recency, T, monetary_value,
    r_score, f_score, m_score,
    CASE
        WHEN r_score IS NULL THEN 'no purchases'
        WHEN r_score >= 4 AND f_score >= 4 THEN 'champions'
        WHEN f_score >= 4 AND r_score >= 3 THEN 'loyal'
        WHEN r_score >= 4 AND f_score >= 2 THEN 'potential loyalists'
        WHEN r_score >= 4 THEN 'new'
        WHEN r_score <= 2 AND f_score >= 3 THEN 'at risk'
        WHEN r_score <= 2 THEN 'hibernating'
        ELSE 'need attention'
    END AS segment,
    expected_purchases,
    p_alive,
    expected_spend,
    $margin * expected_spend * discounted_purchases AS clv,
    nps,
    CASE WHEN nps >= 9 THEN 'promoter' WHEN nps >= 7 THEN 'passive'
         WHEN nps IS NOT NULL THEN 'detractor' END AS nps_category,
    nps_answered_at,
    csat,
    ces,
    emotional_connection,
    emotional_connection >= $connected_index AS emotionally_connected,
    tickets_90d, unresolved_tickets, slow_responses_90d, poor_csat_90d, poor_tickets_90d,
    sends_7d, sends_30d, sends_30d_email, sends_30d_sms, sends_30d_push, sends_30d_other,
    CASE
        WHEN p_alive IS NULL THEN NULL
        WHEN p_alive < 0.5 THEN 'high'
        WHEN p_alive < 0.8 OR poor_tickets_90d > 0 OR unresolved_tickets > 0
             OR recency IS NOT NULL AND T - recency > 2 * expected_gap THEN 'medium'
        ELSE 'low'
    END AS churn_risk
FROM scored
