/* The engagement page's customers per band of contact pressure: the band (defs/contact_band) */
/* of each customer's messages in the 30 days before the score's cutoff (sends_30d). */
WITH counts AS (
  SELECT
    sends_30d AS prior_messages
  FROM customer_scores
)
SELECT
  CASE WHEN prior_messages >= 9 THEN 2 WHEN prior_messages >= 5 THEN 1 ELSE 0 END AS band,
  COUNT(*) AS customers
FROM counts
GROUP BY
  1
ORDER BY
  1 NULLS LAST
