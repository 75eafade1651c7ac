/* The dense half of customer_scores, one row per customer in customers: order facts, the */
/* models' summary, RFM quintiles, predictions and CLV (the view customer_scores adds the */
/* voice, service and contact columns from customer_voice, and the derived labels). Reads the */
/* temporary tables _summary (customer_summary) and _predictions (the purchase model's */
/* predictions, one row per distinct frequency/recency/T history). The parameters r2 .. */
/* m5 with r2_id .. m5_id are where the quintiles 2 to 5 of last order, frequency and */
/* revenue start, as key and customer_id (scoring.rfm_cuts), so that each score is */
/* NTILE(5) OVER (ORDER BY key, customer_id) without sorting all customers three times; a */
/* NULL cut, with fewer than five customers, starts no quintile. As literals rather than a */
/* one-row table they are constants to compare with (20 % less time for this query at 10 */
/* million orders), and the customer_id is compared only where the key ties with the cut. */
/* Columns: docs/scores.md. */
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
        WHEN s.last_order_at > CAST('2025-06-02 00:00:00' AS TIMESTAMP_NTZ)
        THEN 1
        WHEN s.last_order_at < CAST('2025-06-02 00:00:00' AS TIMESTAMP_NTZ)
        THEN 0
        WHEN s.customer_id >= 'C2\'r'
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.last_order_at > CAST('2025-06-03 00:00:00' AS TIMESTAMP_NTZ)
        THEN 1
        WHEN s.last_order_at < CAST('2025-06-03 00:00:00' AS TIMESTAMP_NTZ)
        THEN 0
        WHEN s.customer_id >= 'C3\'r'
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.last_order_at > CAST('2025-06-04 00:00:00' AS TIMESTAMP_NTZ)
        THEN 1
        WHEN s.last_order_at < CAST('2025-06-04 00:00:00' AS TIMESTAMP_NTZ)
        THEN 0
        WHEN s.customer_id >= 'C4\'r'
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.last_order_at > NULL
        THEN 1
        WHEN s.last_order_at < NULL
        THEN 0
        WHEN s.customer_id >= NULL
        THEN 1
        ELSE 0
      END AS TINYINT)
    END AS r_score,
    CASE
      WHEN NOT s.customer_id IS NULL
      THEN CAST(1 + CASE
        WHEN s.frequency > 1
        THEN 1
        WHEN s.frequency < 1
        THEN 0
        WHEN s.customer_id >= 'C2\'f'
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.frequency > 2
        THEN 1
        WHEN s.frequency < 2
        THEN 0
        WHEN s.customer_id >= 'C3\'f'
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.frequency > 3
        THEN 1
        WHEN s.frequency < 3
        THEN 0
        WHEN s.customer_id >= 'C4\'f'
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.frequency > NULL
        THEN 1
        WHEN s.frequency < NULL
        THEN 0
        WHEN s.customer_id >= NULL
        THEN 1
        ELSE 0
      END AS TINYINT)
    END AS f_score,
    CASE
      WHEN NOT s.customer_id IS NULL
      THEN CAST(1 + CASE
        WHEN s.revenue > CAST('21.0' AS DOUBLE)
        THEN 1
        WHEN s.revenue < CAST('21.0' AS DOUBLE)
        THEN 0
        WHEN s.customer_id >= 'C2\'m'
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.revenue > CAST('31.5' AS DOUBLE)
        THEN 1
        WHEN s.revenue < CAST('31.5' AS DOUBLE)
        THEN 0
        WHEN s.customer_id >= 'C3\'m'
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.revenue > CAST('42.0' AS DOUBLE)
        THEN 1
        WHEN s.revenue < CAST('42.0' AS DOUBLE)
        THEN 0
        WHEN s.customer_id >= 'C4\'m'
        THEN 1
        ELSE 0
      END + CASE
        WHEN s.revenue > NULL
        THEN 1
        WHEN s.revenue < NULL
        THEN 0
        WHEN s.customer_id >= NULL
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
      THEN CAST('6.0' AS DOUBLE) * (
        CAST('20.0' AS DOUBLE) + s.frequency * s.monetary_value
      ) / (
        CAST('6.0' AS DOUBLE) * s.frequency + CAST('4.0' AS DOUBLE) - 1
      )
      ELSE CAST('6.0' AS DOUBLE) * CAST('20.0' AS DOUBLE) / (
        CAST('4.0' AS DOUBLE) - 1
      )
    END AS expected_spend
  FROM customers AS c
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
  CAST('1.0' AS DOUBLE) * expected_spend * discounted_purchases AS clv
FROM valued
