/* The engagement page's customers per band of contact pressure as of TIMESTAMP '2026-01-01 00:00:00' (a period's */
/* end): the band (defs/contact_band) of each scored customer's messages in the */
/* 30 days before as_of, what customer_scores' sends_30d counts at the score's */
/* cutoff (views/customers_by_contact_band). */
WITH sent AS (
  SELECT
    customer_id,
    COUNT(*) AS messages
  FROM messages
  WHERE
    sent_at >= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '30' DAY
    AND sent_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
  GROUP BY
    customer_id
), counts AS (
  SELECT
    COALESCE(m.messages, 0) AS prior_messages
  FROM customer_scores AS s
  LEFT JOIN sent AS m
    ON m.customer_id = s.customer_id
)
SELECT
  CASE WHEN prior_messages >= 9 THEN 2 WHEN prior_messages >= 5 THEN 1 ELSE 0 END AS band,
  COUNT(*) AS customers
FROM counts
GROUP BY
  1
ORDER BY
  1 NULLS LAST
