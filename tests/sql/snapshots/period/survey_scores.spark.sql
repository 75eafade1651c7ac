/* CSAT (1-5; satisfied is 4 or 5) and CES (1-7; higher is more effort) in the period */
/* [TIMESTAMP '2025-10-03 00:00:00', TIMESTAMP '2025-12-31 00:00:00') and in the one before it, [TIMESTAMP '2025-07-05 00:00:00', TIMESTAMP '2025-10-03 00:00:00'), every answer counted. */
SELECT
  CASE
    WHEN answered_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
    THEN 'current'
    ELSE 'previous'
  END AS period,
  COUNT(csat) AS csat_n,
  COUNT(CASE WHEN csat >= 4 THEN 1 END) AS csat_satisfied,
  COUNT(ces) AS ces_n,
  AVG(ces) AS ces_mean,
  VARIANCE(ces) AS ces_var
FROM survey_responses
WHERE
  answered_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ)
  AND answered_at >= COALESCE(
    CAST('2025-07-05 00:00:00' AS TIMESTAMP_NTZ),
    CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
  )
GROUP BY
  1
