/* validate/weekly_repeats: the calibration cohort's repeat purchases (purchase occasions */
/* after each customer's first, counted as frequency counts them: days with merge_day, else */
/* orders) per day, up to holdout_end, for the tracking curves. */
WITH occasions AS (
  SELECT
    customer_id,
    MIN(ordered_at) AS at
  FROM orders
  WHERE
    status = 'completed'
    AND ordered_at < CAST('2026-07-01 00:00:00' AS TIMESTAMP_NTZ)
  GROUP BY
    customer_id,
    CASE WHEN TRUE THEN CAST(ordered_at AS DATE) ELSE ordered_at END
)
SELECT
  CAST(o.at AS DATE) AS day,
  COUNT(*) AS purchases
FROM occasions AS o
JOIN _summary AS s
  ON s.customer_id = o.customer_id
WHERE
  o.at > s.first_order_at
GROUP BY
  CAST(o.at AS DATE)
