/* The engagement page's contact pressure: per band of pressure, the messages sent before */
/* TIMESTAMP '2026-01-01 00:00:00' and the unsubscribes and complaints they caused (recorded before as_of), by the */
/* definitions of the contact-pressure finding (defs/contact_pressure_sends, defs/contact_band). */
WITH sends AS (
  SELECT
    customer_id,
    sent_at,
    CASE
      WHEN NOT unsubscribed_at IS NULL
      AND unsubscribed_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
      THEN 1
      ELSE 0
    END AS unsubscribed,
    CASE
      WHEN NOT complained_at IS NULL
      AND complained_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
      THEN 1
      ELSE 0
    END AS complained,
    COUNT(*) OVER (
      PARTITION BY customer_id
      ORDER BY sent_at NULLS LAST
      RANGE BETWEEN INTERVAL '30' DAY PRECEDING AND CURRENT ROW
    ) - 1 AS prior_messages
  FROM messages
  WHERE
    sent_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
)
SELECT
  CASE WHEN prior_messages >= 9 THEN 2 WHEN prior_messages >= 5 THEN 1 ELSE 0 END AS band,
  COUNT(*) AS messages,
  SUM(unsubscribed) AS unsubscribes,
  SUM(complained) AS complaints,
  SUM(unsubscribed) / COUNT(*) AS unsubscribe_rate
FROM sends
GROUP BY
  1
ORDER BY
  1 NULLS LAST
