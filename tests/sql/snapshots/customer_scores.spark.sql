/* The view customer_scores: one row per customer, every measure in one place. The dense */
/* customer_value (order facts, RFM, predictions, CLV: every customer) joined with the sparse */
/* customer_voice (NPS, CSAT, CES, emotional connection, service, contact: the customers who */
/* have any), with the labels derived from them: RFM segment, NPS category, emotionally */
/* connected, churn risk. A customer without a row in customer_voice has no answers and */
/* zero tickets and messages. Columns: docs/scores.md. */
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
  v.clv,
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
    WHEN v.p_alive IS NULL
    THEN NULL
    WHEN v.p_alive < 0.5
    THEN 'high'
    WHEN v.p_alive < 0.8
    OR x.poor_tickets_90d > 0
    OR x.unresolved_tickets > 0
    OR NOT v.recency IS NULL
    AND v.T - v.recency > 2 * v.expected_gap
    THEN 'medium'
    ELSE 'low'
  END AS churn_risk
FROM customer_value AS v
LEFT JOIN customer_voice AS x
  ON x.customer_id = v.customer_id
