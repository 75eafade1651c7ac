/* The gratitude program: fee_forgiveness gestures per customer in the 365 days before */
/* as_of, against the trigger's max_per_year. */
SELECT
  customer_id,
  COUNT(*) AS waivers
FROM gestures
WHERE
  trigger = 'fee_forgiveness'
  AND given_at > CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '365' DAY
GROUP BY
  customer_id
