/* Covariates, time-varying, at the cutoff: the contact pressure each summary customer (in */
/* customer_id order) is under at TIMESTAMP '2026-01-01 00:00:00', as covariates/contact_pressure takes it at a */
/* purchase: the messages (any channel, any kind) received in the 30 days up to */
/* it, as a band of defs/contact_band (0 low, 1 mid, 2 high). `score --covariates` holds it */
/* over the forecast. */
SELECT
  CASE WHEN prior_messages >= 9 THEN 2 WHEN prior_messages >= 5 THEN 1 ELSE 0 END AS value
FROM (
  SELECT
    s.customer_id,
    COUNT(m.sent_at) AS prior_messages
  FROM _summary AS s
  LEFT JOIN messages AS m
    ON m.customer_id = s.customer_id
    AND m.sent_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
    AND m.sent_at >= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '30' DAY
  GROUP BY
    s.customer_id
) AS counted
ORDER BY
  customer_id NULLS LAST
