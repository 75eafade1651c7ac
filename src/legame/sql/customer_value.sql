-- The dense half of customer_scores, one row per customer in customers: order facts, the
-- models' summary, RFM quintiles, predictions and CLV (the view customer_scores adds the
-- voice, service and contact columns from customer_voice, and the derived labels). Reads the
-- temporary tables _summary (customer_summary) and _predictions (the purchase model's
-- predictions, one row per distinct frequency/recency/T history). The parameters r2 ..
-- m5 with r2_id .. m5_id are where the quintiles 2 to 5 of last order, frequency and
-- revenue start, as key and customer_id (scoring.rfm_cuts), so that each score is
-- NTILE(5) OVER (ORDER BY key, customer_id) without sorting all customers three times; a
-- NULL cut, with fewer than five customers, starts no quintile. As literals rather than a
-- one-row table they are constants to compare with (20 % less time for this query at 10
-- million orders), and the customer_id is compared only where the key ties with the cut.
-- Columns: docs/scores.md.
WITH valued AS (
    SELECT
        c.customer_id,
        CAST(COALESCE(s.orders, 0) AS BIGINT) AS orders,
        COALESCE(s.revenue, 0.0) AS revenue,
        COALESCE(s.revenue_12m, 0.0) AS revenue_12m,
        s.first_order_at,
        s.last_order_at,
        s.frequency,
        s.recency,
        s.T,
        s.monetary_value,
        CASE WHEN s.customer_id IS NOT NULL THEN CAST(1
            + CASE WHEN s.last_order_at > $r2 THEN 1 WHEN s.last_order_at < $r2 THEN 0
                   WHEN s.customer_id >= $r2_id THEN 1 ELSE 0 END
            + CASE WHEN s.last_order_at > $r3 THEN 1 WHEN s.last_order_at < $r3 THEN 0
                   WHEN s.customer_id >= $r3_id THEN 1 ELSE 0 END
            + CASE WHEN s.last_order_at > $r4 THEN 1 WHEN s.last_order_at < $r4 THEN 0
                   WHEN s.customer_id >= $r4_id THEN 1 ELSE 0 END
            + CASE WHEN s.last_order_at > $r5 THEN 1 WHEN s.last_order_at < $r5 THEN 0
                   WHEN s.customer_id >= $r5_id THEN 1 ELSE 0 END AS TINYINT)
        END AS r_score,
        CASE WHEN s.customer_id IS NOT NULL THEN CAST(1
            + CASE WHEN s.frequency > $f2 THEN 1 WHEN s.frequency < $f2 THEN 0
                   WHEN s.customer_id >= $f2_id THEN 1 ELSE 0 END
            + CASE WHEN s.frequency > $f3 THEN 1 WHEN s.frequency < $f3 THEN 0
                   WHEN s.customer_id >= $f3_id THEN 1 ELSE 0 END
            + CASE WHEN s.frequency > $f4 THEN 1 WHEN s.frequency < $f4 THEN 0
                   WHEN s.customer_id >= $f4_id THEN 1 ELSE 0 END
            + CASE WHEN s.frequency > $f5 THEN 1 WHEN s.frequency < $f5 THEN 0
                   WHEN s.customer_id >= $f5_id THEN 1 ELSE 0 END AS TINYINT)
        END AS f_score,
        CASE WHEN s.customer_id IS NOT NULL THEN CAST(1
            + CASE WHEN s.revenue > $m2 THEN 1 WHEN s.revenue < $m2 THEN 0
                   WHEN s.customer_id >= $m2_id THEN 1 ELSE 0 END
            + CASE WHEN s.revenue > $m3 THEN 1 WHEN s.revenue < $m3 THEN 0
                   WHEN s.customer_id >= $m3_id THEN 1 ELSE 0 END
            + CASE WHEN s.revenue > $m4 THEN 1 WHEN s.revenue < $m4 THEN 0
                   WHEN s.customer_id >= $m4_id THEN 1 ELSE 0 END
            + CASE WHEN s.revenue > $m5 THEN 1 WHEN s.revenue < $m5 THEN 0
                   WHEN s.customer_id >= $m5_id THEN 1 ELSE 0 END AS TINYINT)
        END AS m_score,
        p.expected_purchases,
        p.p_alive,
        p.expected_gap,
        p.discounted_purchases,
        CASE WHEN s.frequency IS NULL THEN NULL
             WHEN s.frequency > 0
             THEN $p * ($gamma + s.frequency * s.monetary_value) / ($p * s.frequency + $q - 1)
             ELSE $p * $gamma / ($q - 1) END AS expected_spend
    FROM customers c
    LEFT JOIN _summary s ON s.customer_id = c.customer_id
    LEFT JOIN _predictions p ON p.frequency = s.frequency AND p.recency = s.recency AND p.T = s.T
)
SELECT
    customer_id, orders, revenue, revenue_12m, first_order_at, last_order_at,
    frequency, recency, T, monetary_value, r_score, f_score, m_score,
    expected_purchases, p_alive, expected_gap, expected_spend,
    $margin * expected_spend * discounted_purchases AS clv
FROM valued
