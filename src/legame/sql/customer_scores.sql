-- The view customer_scores: one row per customer, every measure in one place. The dense
-- customer_value (order facts and purchase history: every customer, the summary as the score
-- stored it) with the purchase model's predictions per distinct history (history_predictions)
-- and the sparse customer_voice (NPS, CSAT, CES, emotional connection, service, contact: the
-- customers who have any), and what follows from them with the fitted parameters, which the
-- score writes into this view as literals: RFM quintiles, expected spend (Gamma-Gamma's p, q,
-- gamma), CLV (margin), and the labels (RFM segment, NPS category, emotionally connected,
-- churn risk). Nothing per customer is written after the fits: the score stores the summary
-- once, and reading all customers costs a join with the histories instead.
-- The parameters r2 .. m5 with r2_id .. m5_id are where the quintiles 2 to 5 of last order,
-- frequency and revenue start, as key and customer_id (scoring.rfm_cuts), so that each score
-- is NTILE(5) OVER (ORDER BY key, customer_id) without sorting all customers three times; a
-- NULL cut, with fewer than five customers, starts no quintile. The customer_id is compared
-- only where the key ties with the cut. A customer without a row in customer_voice has no
-- answers and zero tickets and messages. Columns: docs/scores.md.
WITH valued AS (
    SELECT
        v.*,
        CASE WHEN v.frequency IS NOT NULL THEN CAST(1
            + CASE WHEN v.last_order_at > $r2 THEN 1 WHEN v.last_order_at < $r2 THEN 0
                   WHEN v.customer_id >= $r2_id THEN 1 ELSE 0 END
            + CASE WHEN v.last_order_at > $r3 THEN 1 WHEN v.last_order_at < $r3 THEN 0
                   WHEN v.customer_id >= $r3_id THEN 1 ELSE 0 END
            + CASE WHEN v.last_order_at > $r4 THEN 1 WHEN v.last_order_at < $r4 THEN 0
                   WHEN v.customer_id >= $r4_id THEN 1 ELSE 0 END
            + CASE WHEN v.last_order_at > $r5 THEN 1 WHEN v.last_order_at < $r5 THEN 0
                   WHEN v.customer_id >= $r5_id THEN 1 ELSE 0 END AS TINYINT)
        END AS r_score,
        CASE WHEN v.frequency IS NOT NULL THEN CAST(1
            + CASE WHEN v.frequency > $f2 THEN 1 WHEN v.frequency < $f2 THEN 0
                   WHEN v.customer_id >= $f2_id THEN 1 ELSE 0 END
            + CASE WHEN v.frequency > $f3 THEN 1 WHEN v.frequency < $f3 THEN 0
                   WHEN v.customer_id >= $f3_id THEN 1 ELSE 0 END
            + CASE WHEN v.frequency > $f4 THEN 1 WHEN v.frequency < $f4 THEN 0
                   WHEN v.customer_id >= $f4_id THEN 1 ELSE 0 END
            + CASE WHEN v.frequency > $f5 THEN 1 WHEN v.frequency < $f5 THEN 0
                   WHEN v.customer_id >= $f5_id THEN 1 ELSE 0 END AS TINYINT)
        END AS f_score,
        CASE WHEN v.frequency IS NOT NULL THEN CAST(1
            + CASE WHEN v.revenue > $m2 THEN 1 WHEN v.revenue < $m2 THEN 0
                   WHEN v.customer_id >= $m2_id THEN 1 ELSE 0 END
            + CASE WHEN v.revenue > $m3 THEN 1 WHEN v.revenue < $m3 THEN 0
                   WHEN v.customer_id >= $m3_id THEN 1 ELSE 0 END
            + CASE WHEN v.revenue > $m4 THEN 1 WHEN v.revenue < $m4 THEN 0
                   WHEN v.customer_id >= $m4_id THEN 1 ELSE 0 END
            + CASE WHEN v.revenue > $m5 THEN 1 WHEN v.revenue < $m5 THEN 0
                   WHEN v.customer_id >= $m5_id THEN 1 ELSE 0 END AS TINYINT)
        END AS m_score,
        p.expected_purchases,
        p.p_alive,
        p.expected_gap,
        p.discounted_purchases,
        CASE WHEN v.frequency IS NULL THEN NULL
             WHEN v.frequency > 0
             THEN $p * ($gamma + v.frequency * v.monetary_value) / ($p * v.frequency + $q - 1)
             ELSE $p * $gamma / ($q - 1) END AS expected_spend
    FROM customer_value v
    LEFT JOIN history_predictions p
        ON p.frequency = v.frequency AND p.recency = v.recency AND p.T = v.T
)
SELECT
    v.customer_id,
    v.orders, v.revenue, v.revenue_12m, v.first_order_at, v.last_order_at,
    v.frequency, v.recency, v.T, v.monetary_value,
    v.r_score, v.f_score, v.m_score,
    CASE
        WHEN v.r_score IS NULL THEN 'no purchases'
        WHEN v.r_score >= 4 AND v.f_score >= 4 THEN 'champions'
        WHEN v.f_score >= 4 AND v.r_score >= 3 THEN 'loyal'
        WHEN v.r_score >= 4 AND v.f_score >= 2 THEN 'potential loyalists'
        WHEN v.r_score >= 4 THEN 'new'
        WHEN v.r_score <= 2 AND v.f_score >= 3 THEN 'at risk'
        WHEN v.r_score <= 2 THEN 'hibernating'
        ELSE 'need attention'
    END AS segment,
    v.expected_purchases,
    v.p_alive,
    v.expected_spend,
    $margin * v.expected_spend * v.discounted_purchases AS clv,
    x.nps,
    CASE WHEN x.nps >= 9 THEN 'promoter' WHEN x.nps >= 7 THEN 'passive'
         WHEN x.nps IS NOT NULL THEN 'detractor' END AS nps_category,
    x.nps_answered_at,
    x.csat,
    x.ces,
    x.emotional_connection,
    x.emotional_connection >= $connected_index AS emotionally_connected,
    COALESCE(x.tickets_90d, 0) AS tickets_90d,
    COALESCE(x.unresolved_tickets, 0) AS unresolved_tickets,
    COALESCE(x.slow_responses_90d, 0) AS slow_responses_90d,
    COALESCE(x.poor_csat_90d, 0) AS poor_csat_90d,
    COALESCE(x.poor_tickets_90d, 0) AS poor_tickets_90d,
    COALESCE(x.sends_7d, 0) AS sends_7d,
    COALESCE(x.sends_30d, 0) AS sends_30d,
    COALESCE(x.sends_30d_email, 0) AS sends_30d_email,
    COALESCE(x.sends_30d_sms, 0) AS sends_30d_sms,
    COALESCE(x.sends_30d_push, 0) AS sends_30d_push,
    COALESCE(x.sends_30d_other, 0) AS sends_30d_other,
    CASE
        WHEN v.p_alive IS NULL THEN NULL
        WHEN v.p_alive < 0.5 THEN 'high'
        WHEN v.p_alive < 0.8 OR x.poor_tickets_90d > 0 OR x.unresolved_tickets > 0
             OR v.recency IS NOT NULL AND v.T - v.recency > 2 * v.expected_gap THEN 'medium'
        ELSE 'low'
    END AS churn_risk
FROM valued v
LEFT JOIN customer_voice x ON x.customer_id = v.customer_id
