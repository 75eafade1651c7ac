-- The view customer_scores: one row per customer, every measure in one place. The dense
-- customer_value (order facts and purchase history: every customer, the summary as the score
-- stored it) with the purchase model's predictions per distinct history and covariate
-- pattern (history_predictions; the pattern is 0 without covariates, and each row holds
-- its pattern's Gamma-Gamma gamma and that parameter's covariances, spend_gamma and
-- spend_cov_pg/qg/gg) and the sparse customer_voice (NPS, CSAT, CES, emotional connection,
-- service, contact: the customers who have any), and what follows from them with the
-- fitted parameters, which the score writes into this view as literals: RFM quintiles,
-- expected spend (Gamma-Gamma's p, q and the pattern's gamma), CLV (margin) and its 90 %
-- interval (the spend model's covariance spend_cov_pp/pq/qq and the pattern's, the normal
-- quantile interval_z), and the labels (RFM segment, NPS category, emotionally
-- connected, churn risk). Nothing per customer is written after the fits: the score stores
-- the summary once, and reading all customers costs a join with the histories instead.
-- The parameters r2 .. m5 are the quintile cuts of last order, frequency and revenue
-- (scoring.rfm_cuts): a score is 1 + the number of cuts the value is above, the quintile
-- NTILE(5) gives the first customer holding that value in the sorted order, so equal values
-- get equal scores without sorting all customers three times; a NULL cut, with fewer than
-- five customers, starts no quintile. A customer without a row in customer_voice has no
-- answers and zero tickets and messages. Columns: docs/scores.md.
WITH valued AS (
    SELECT
        v.*,
        CASE WHEN v.frequency IS NOT NULL THEN CAST(1
            + CASE WHEN v.last_order_at > $r2 THEN 1 ELSE 0 END
            + CASE WHEN v.last_order_at > $r3 THEN 1 ELSE 0 END
            + CASE WHEN v.last_order_at > $r4 THEN 1 ELSE 0 END
            + CASE WHEN v.last_order_at > $r5 THEN 1 ELSE 0 END AS TINYINT)
        END AS r_score,
        CASE WHEN v.frequency IS NOT NULL THEN CAST(1
            + CASE WHEN v.frequency > $f2 THEN 1 ELSE 0 END
            + CASE WHEN v.frequency > $f3 THEN 1 ELSE 0 END
            + CASE WHEN v.frequency > $f4 THEN 1 ELSE 0 END
            + CASE WHEN v.frequency > $f5 THEN 1 ELSE 0 END AS TINYINT)
        END AS f_score,
        CASE WHEN v.frequency IS NOT NULL THEN CAST(1
            + CASE WHEN v.revenue > $m2 THEN 1 ELSE 0 END
            + CASE WHEN v.revenue > $m3 THEN 1 ELSE 0 END
            + CASE WHEN v.revenue > $m4 THEN 1 ELSE 0 END
            + CASE WHEN v.revenue > $m5 THEN 1 ELSE 0 END AS TINYINT)
        END AS m_score,
        p.expected_purchases,
        p.p_alive,
        p.expected_gap,
        p.discounted_purchases,
        p.p_no_purchase,
        p.purchases_low,
        p.purchases_high,
        p.discounted_log_sd,
        CASE WHEN v.frequency IS NULL THEN NULL
             WHEN v.frequency > 0
             THEN $p * (p.spend_gamma + v.frequency * v.monetary_value)
                 / ($p * v.frequency + $q - 1)
             ELSE $p * p.spend_gamma / ($q - 1) END AS expected_spend,
        -- d ln(expected_spend) / d ln(p, q, gamma), for the delta method
        1 - $p * v.frequency / ($p * v.frequency + $q - 1) AS spend_dp,
        -$q / ($p * v.frequency + $q - 1) AS spend_dq,
        p.spend_gamma / (p.spend_gamma + v.frequency * COALESCE(v.monetary_value, 0))
            AS spend_dgamma,
        p.spend_cov_pg,
        p.spend_cov_qg,
        p.spend_cov_gg
    FROM customer_value v
    LEFT JOIN history_predictions p
        ON p.frequency = v.frequency AND p.recency = v.recency AND p.T = v.T
        AND p.pattern = v.pattern
),
spread AS (
    -- the standard deviation of ln(CLV): the history's ln(discounted purchases) and the
    -- customer's ln(expected spend), whose estimates come from separate fits
    SELECT
        v.*,
        SQRT(ABS(v.discounted_log_sd * v.discounted_log_sd
            + v.spend_dp * v.spend_dp * $spend_cov_pp
            + v.spend_dq * v.spend_dq * $spend_cov_qq
            + v.spend_dgamma * v.spend_dgamma * v.spend_cov_gg
            + 2 * v.spend_dp * v.spend_dq * $spend_cov_pq
            + 2 * v.spend_dp * v.spend_dgamma * v.spend_cov_pg
            + 2 * v.spend_dq * v.spend_dgamma * v.spend_cov_qg)) AS clv_log_sd
    FROM valued v
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
    {{ churn_risk }} AS churn_risk,
    v.p_no_purchase,
    v.purchases_low,
    v.purchases_high,
    $margin * v.expected_spend * v.discounted_purchases
        * EXP(-$interval_z * v.clv_log_sd) AS clv_low,
    $margin * v.expected_spend * v.discounted_purchases
        * EXP($interval_z * v.clv_log_sd) AS clv_high
FROM spread v
LEFT JOIN customer_voice x ON x.customer_id = v.customer_id
