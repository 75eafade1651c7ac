/* The view customer_scores: one row per customer, every measure in one place. The dense */
/* customer_value (order facts and purchase history: every customer, the summary as the score */
/* stored it) with the purchase model's predictions per distinct history and covariate */
/* pattern (history_predictions; the pattern is 0 without covariates, and each row holds */
/* its pattern's Gamma-Gamma gamma and that parameter's covariances, spend_gamma and */
/* spend_cov_pg/qg/gg) and the sparse customer_voice (NPS, CSAT, CES, emotional connection, */
/* service, contact: the customers who have any), and what follows from them with the */
/* fitted parameters, which the score writes into this view as literals: RFM quintiles, */
/* expected spend (Gamma-Gamma's p, q and the pattern's gamma), CLV (margin) and its 90 % */
/* interval (the spend model's covariance spend_cov_pp/pq/qq and the pattern's, the normal */
/* quantile interval_z), and the labels (RFM segment, NPS category, emotionally */
/* connected, churn risk). Nothing per customer is written after the fits: the score stores */
/* the summary once, and reading all customers costs a join with the histories instead. */
/* The parameters r2 .. m5 are the quintile cuts of last order, frequency and revenue */
/* (scoring.rfm_cuts): a score is 1 + the number of cuts the value is above, the quintile */
/* NTILE(5) gives the first customer holding that value in the sorted order, so equal values */
/* get equal scores without sorting all customers three times; a NULL cut, with fewer than */
/* five customers, starts no quintile. A customer without a row in customer_voice has no */
/* answers and zero tickets and messages. Columns: docs/scores.md. */
WITH valued AS (
  SELECT
    v.*,
    CASE
      WHEN NOT v.frequency IS NULL
      THEN CAST(1 + CASE
        WHEN v.last_order_at > CAST('2025-06-02 00:00:00' AS TIMESTAMP_NTZ)
        THEN 1
        ELSE 0
      END + CASE
        WHEN v.last_order_at > CAST('2025-06-03 00:00:00' AS TIMESTAMP_NTZ)
        THEN 1
        ELSE 0
      END + CASE
        WHEN v.last_order_at > CAST('2025-06-04 00:00:00' AS TIMESTAMP_NTZ)
        THEN 1
        ELSE 0
      END + CASE WHEN v.last_order_at > NULL THEN 1 ELSE 0 END AS TINYINT)
    END AS r_score,
    CASE
      WHEN NOT v.frequency IS NULL
      THEN CAST(1 + CASE WHEN v.frequency > 1 THEN 1 ELSE 0 END + CASE WHEN v.frequency > 2 THEN 1 ELSE 0 END + CASE WHEN v.frequency > 3 THEN 1 ELSE 0 END + CASE WHEN v.frequency > NULL THEN 1 ELSE 0 END AS TINYINT)
    END AS f_score,
    CASE
      WHEN NOT v.frequency IS NULL
      THEN CAST(1 + CASE WHEN v.revenue > CAST('21.0' AS DOUBLE) THEN 1 ELSE 0 END + CASE WHEN v.revenue > CAST('31.5' AS DOUBLE) THEN 1 ELSE 0 END + CASE WHEN v.revenue > CAST('42.0' AS DOUBLE) THEN 1 ELSE 0 END + CASE WHEN v.revenue > NULL THEN 1 ELSE 0 END AS TINYINT)
    END AS m_score,
    p.expected_purchases,
    p.p_alive,
    p.expected_gap,
    p.discounted_purchases,
    p.p_no_purchase,
    p.purchases_low,
    p.purchases_high,
    p.discounted_log_sd,
    CASE
      WHEN v.frequency IS NULL
      THEN NULL
      WHEN v.frequency > 0
      THEN CAST('6.0' AS DOUBLE) * (
        p.spend_gamma + v.frequency * v.monetary_value
      ) / (
        CAST('6.0' AS DOUBLE) * v.frequency + CAST('4.0' AS DOUBLE) - 1
      )
      ELSE CAST('6.0' AS DOUBLE) * p.spend_gamma / (
        CAST('4.0' AS DOUBLE) - 1
      )
    END AS expected_spend,
    1 /* d ln(expected_spend) / d ln(p, q, gamma), for the delta method */ - CAST('6.0' AS DOUBLE) * v.frequency / (
      CAST('6.0' AS DOUBLE) * v.frequency + CAST('4.0' AS DOUBLE) - 1
    ) AS spend_dp,
    -CAST('4.0' AS DOUBLE) / (
      CAST('6.0' AS DOUBLE) * v.frequency + CAST('4.0' AS DOUBLE) - 1
    ) AS spend_dq,
    p.spend_gamma / (
      p.spend_gamma + v.frequency * COALESCE(v.monetary_value, 0)
    ) AS spend_dgamma,
    p.spend_cov_pg,
    p.spend_cov_qg,
    p.spend_cov_gg
  FROM customer_value AS v
  LEFT JOIN history_predictions AS p
    ON p.frequency = v.frequency
    AND p.recency = v.recency
    AND p.T = v.T
    AND p.pattern = v.pattern
), spread AS (
  /* the standard deviation of ln(CLV): the history's ln(discounted purchases) and the */
  /* customer's ln(expected spend), whose estimates come from separate fits */
  SELECT
    v.*,
    SQRT(
      ABS(
        v.discounted_log_sd * v.discounted_log_sd + v.spend_dp * v.spend_dp * CAST('0.01' AS DOUBLE) + v.spend_dq * v.spend_dq * CAST('0.01' AS DOUBLE) + v.spend_dgamma * v.spend_dgamma * v.spend_cov_gg + 2 * v.spend_dp * v.spend_dq * CAST('-0.002' AS DOUBLE) + 2 * v.spend_dp * v.spend_dgamma * v.spend_cov_pg + 2 * v.spend_dq * v.spend_dgamma * v.spend_cov_qg
      )
    ) AS clv_log_sd
  FROM valued AS v
)
SELECT
  v.customer_id,
  v.orders,
  v.revenue,
  v.revenue_12m,
  v.first_order_at,
  v.last_order_at,
  v.frequency,
  v.recency,
  v.T,
  v.monetary_value,
  v.r_score,
  v.f_score,
  v.m_score,
  CASE
    WHEN v.r_score IS NULL
    THEN 'no purchases'
    WHEN v.r_score >= 4 AND v.f_score >= 4
    THEN 'champions'
    WHEN v.f_score >= 4 AND v.r_score >= 3
    THEN 'loyal'
    WHEN v.r_score >= 4 AND v.f_score >= 2
    THEN 'potential loyalists'
    WHEN v.r_score >= 4
    THEN 'new'
    WHEN v.r_score <= 2 AND v.f_score >= 3
    THEN 'at risk'
    WHEN v.r_score <= 2
    THEN 'hibernating'
    ELSE 'need attention'
  END AS segment,
  v.expected_purchases,
  v.p_alive,
  v.expected_spend,
  CAST('1.0' AS DOUBLE) * v.expected_spend * v.discounted_purchases AS clv,
  x.nps,
  CASE
    WHEN x.nps >= 9
    THEN 'promoter'
    WHEN x.nps >= 7
    THEN 'passive'
    WHEN NOT x.nps IS NULL
    THEN 'detractor'
  END AS nps_category,
  x.nps_answered_at,
  x.csat,
  x.ces,
  x.emotional_connection,
  x.emotional_connection >= CAST('70.0' AS DOUBLE) AS emotionally_connected,
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
    WHEN p_no_purchase IS NULL
    THEN NULL
    WHEN p_no_purchase >= 0.8
    THEN 'high'
    WHEN p_no_purchase >= 0.5
    OR poor_tickets_90d > 0
    OR NOT recency IS NULL
    AND T - recency > 2 * expected_gap
    THEN 'medium'
    ELSE 'low'
  END AS churn_risk,
  v.p_no_purchase,
  v.purchases_low,
  v.purchases_high,
  CAST('1.0' AS DOUBLE) * v.expected_spend * v.discounted_purchases * EXP(-CAST('1.6448536269514722' AS DOUBLE) * v.clv_log_sd) AS clv_low,
  CAST('1.0' AS DOUBLE) * v.expected_spend * v.discounted_purchases * EXP(CAST('1.6448536269514722' AS DOUBLE) * v.clv_log_sd) AS clv_high
FROM spread AS v
LEFT JOIN customer_voice AS x
  ON x.customer_id = v.customer_id
