/* validate/holdout_histories: each calibration history (_summary, the customer_summary up to */
/* the cutoff until) with the RFM segment the customer had at the cutoff and their purchases */
/* in the holdout, from midnight after until to holdout_end, counted as frequency counts */
/* them (purchase days with merge_day, else orders); customers whose first purchase is in */
/* the holdout are not in the cohort. The segment's quintile scores are 1 + the number of */
/* cuts (r2 .. r5 of last_order_at, f2 .. f5 of frequency) the value is above: equal */
/* values get equal scores, and a NULL cut (fewer than five customers) starts no quintile. */
/* The service signal of churn risk as known at the cutoff comes from _voice (customer_voice */
/* at midnight after until), as a flag: a poor ticket in the last 90 days. */
/* Grouped into distinct rows with their customer count n, which is what validation reads. */
WITH holdout_occasions AS (
  SELECT
    customer_id
  FROM orders
  WHERE
    status = 'completed'
    AND ordered_at >= CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ) + INTERVAL '1' DAY
    AND ordered_at < CAST('2026-07-01 00:00:00' AS TIMESTAMP_NTZ)
  GROUP BY
    customer_id,
    CASE WHEN TRUE THEN CAST(ordered_at AS DATE) ELSE ordered_at END
), holdout AS (
  SELECT
    customer_id,
    COUNT(*) AS purchases
  FROM holdout_occasions
  GROUP BY
    customer_id
), scored AS (
  SELECT
    s.frequency,
    s.recency,
    s.T,
    1 + CASE
      WHEN s.last_order_at > CAST('2025-06-02 00:00:00' AS TIMESTAMP_NTZ)
      THEN 1
      ELSE 0
    END + CASE
      WHEN s.last_order_at > CAST('2025-06-03 00:00:00' AS TIMESTAMP_NTZ)
      THEN 1
      ELSE 0
    END + CASE
      WHEN s.last_order_at > CAST('2025-06-04 00:00:00' AS TIMESTAMP_NTZ)
      THEN 1
      ELSE 0
    END + CASE WHEN s.last_order_at > NULL THEN 1 ELSE 0 END AS r_score,
    1 + CASE WHEN s.frequency > 1 THEN 1 ELSE 0 END + CASE WHEN s.frequency > 2 THEN 1 ELSE 0 END + CASE WHEN s.frequency > 3 THEN 1 ELSE 0 END + CASE WHEN s.frequency > NULL THEN 1 ELSE 0 END AS f_score,
    COALESCE(h.purchases, 0) AS holdout,
    CASE WHEN x.poor_tickets_90d > 0 THEN 1 ELSE 0 END AS poor_tickets_90d
  FROM _summary AS s
  LEFT JOIN holdout AS h
    ON h.customer_id = s.customer_id
  LEFT JOIN _voice AS x
    ON x.customer_id = s.customer_id
)
SELECT
  frequency,
  recency,
  T,
  CASE
    WHEN r_score IS NULL
    THEN 'no purchases'
    WHEN r_score >= 4 AND f_score >= 4
    THEN 'champions'
    WHEN f_score >= 4 AND r_score >= 3
    THEN 'loyal'
    WHEN r_score >= 4 AND f_score >= 2
    THEN 'potential loyalists'
    WHEN r_score >= 4
    THEN 'new'
    WHEN r_score <= 2 AND f_score >= 3
    THEN 'at risk'
    WHEN r_score <= 2
    THEN 'hibernating'
    ELSE 'need attention'
  END AS segment,
  holdout,
  poor_tickets_90d,
  COUNT(*) AS n
FROM scored
GROUP BY
  frequency,
  recency,
  T,
  r_score,
  f_score,
  holdout,
  poor_tickets_90d
