/* The dense half of customer_scores, one row per customer in customers: order facts, the */
/* models' summary, RFM quintiles, predictions and CLV (the view customer_scores adds the */
/* voice, service and contact columns from customer_voice, and the derived labels). Reads the */
/* temporary tables _summary (customer_summary), _predictions (the purchase model's */
/* predictions, one row per distinct frequency/recency/T history) and _rfm_cuts (one row: */
/* where the quintiles 2 to 5 of last order, frequency and revenue start, as key and */
/* customer_id, so that each score is NTILE(5) OVER (ORDER BY key, customer_id) without */
/* sorting all customers three times; a NULL cut, with fewer than five customers, starts no */
/* quintile). Columns: docs/scores.md. */
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
    CASE
      WHEN NOT s.customer_id IS NULL
      THEN CAST(1 + CASE
        WHEN s.last_order_at > q.r2 OR s.last_order_at = q.r2 AND s.customer_id >= q.r2_id
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.last_order_at > q.r3 OR s.last_order_at = q.r3 AND s.customer_id >= q.r3_id
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.last_order_at > q.r4 OR s.last_order_at = q.r4 AND s.customer_id >= q.r4_id
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.last_order_at > q.r5 OR s.last_order_at = q.r5 AND s.customer_id >= q.r5_id
        THEN 1
        ELSE 0
      END AS TINYINT)
    END AS r_score,
    CASE
      WHEN NOT s.customer_id IS NULL
      THEN CAST(1 + CASE
        WHEN s.frequency > q.f2 OR s.frequency = q.f2 AND s.customer_id >= q.f2_id
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.frequency > q.f3 OR s.frequency = q.f3 AND s.customer_id >= q.f3_id
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.frequency > q.f4 OR s.frequency = q.f4 AND s.customer_id >= q.f4_id
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.frequency > q.f5 OR s.frequency = q.f5 AND s.customer_id >= q.f5_id
        THEN 1
        ELSE 0
      END AS TINYINT)
    END AS f_score,
    CASE
      WHEN NOT s.customer_id IS NULL
      THEN CAST(1 + CASE
        WHEN s.revenue > q.m2 OR s.revenue = q.m2 AND s.customer_id >= q.m2_id
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.revenue > q.m3 OR s.revenue = q.m3 AND s.customer_id >= q.m3_id
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.revenue > q.m4 OR s.revenue = q.m4 AND s.customer_id >= q.m4_id
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.revenue > q.m5 OR s.revenue = q.m5 AND s.customer_id >= q.m5_id
        THEN 1
        ELSE 0
      END AS TINYINT)
    END AS m_score,
    p.expected_purchases,
    p.p_alive,
    p.expected_gap,
    p.discounted_purchases,
    CASE
      WHEN s.frequency IS NULL
      THEN NULL
      WHEN s.frequency > 0
      THEN 6.0 * (
        20.0 + s.frequency * s.monetary_value
      ) / (
        6.0 * s.frequency + 4.0 - 1
      )
      ELSE 6.0 * 20.0 / (
        4.0 - 1
      )
    END AS expected_spend
  FROM customers AS c
  CROSS JOIN _rfm_cuts AS q
  LEFT JOIN _summary AS s
    ON s.customer_id = c.customer_id
  LEFT JOIN _predictions AS p
    ON p.frequency = s.frequency AND p.recency = s.recency AND p.T = s.T
)
SELECT
  customer_id,
  orders,
  revenue,
  revenue_12m,
  first_order_at,
  last_order_at,
  frequency,
  recency,
  T,
  monetary_value,
  r_score,
  f_score,
  m_score,
  expected_purchases,
  p_alive,
  expected_gap,
  expected_spend,
  1.0 * expected_spend * discounted_purchases AS clv
FROM valued
