/* The distinct purchase histories and how many customers share each: what the purchase */
/* models are fitted on (their cost grows with distinct histories, not with customers). */
SELECT
  frequency,
  recency,
  T,
  COUNT(*) AS n
FROM _summary
GROUP BY
  frequency,
  recency,
  T
