/* Gratitude, fee forgiveness: unwaived fees of the forgivable kinds charged in the last */
/* within_days days, up to max_amount, with the customer's history before the charge. */
/* Eligibility by tenure, orders or CLV, and max_per_year, are applied by the program. */
SELECT
  c.customer_id,
  'charge:' || c.charge_id AS event_key,
  c.charged_at AS event_at,
  CAST(c.amount AS DOUBLE) AS amount,
  COUNT(o.order_id) AS prior_orders,
  COALESCE(DATEDIFF(DAY, MIN(o.ordered_at), c.charged_at), 0) AS tenure_days,
  'a ' || COALESCE(c.kind, 'fee') || ' of ' || CAST(CAST(c.amount AS DOUBLE) AS STRING) || ' charged on ' || DATE_FORMAT(c.charged_at, 'yyyy-MM-dd') AS detail
FROM charges AS c
LEFT JOIN orders AS o
  ON o.customer_id = c.customer_id
  AND o.status = 'completed'
  AND o.ordered_at < c.charged_at
WHERE
  c.waived_at IS NULL
  AND c.kind IN ('late_fee')
  AND CAST(c.amount AS DOUBLE) <= CAST('30.0' AS DOUBLE)
  AND c.charged_at > CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '30' DAY
  AND c.charged_at <= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
  AND NOT EXISTS(
    SELECT
      1
    FROM gestures AS g
    WHERE
      g.trigger = 'fee_forgiveness' AND g.event_key = 'charge:' || c.charge_id
  )
GROUP BY
  c.customer_id,
  c.charge_id,
  c.charged_at,
  c.amount,
  c.kind
ORDER BY
  c.charged_at NULLS LAST,
  c.charge_id NULLS LAST
