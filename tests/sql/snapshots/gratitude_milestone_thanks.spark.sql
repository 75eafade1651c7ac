/* Gratitude, milestones: the Nth completed order (N in order_counts) and the Nth */
/* anniversary of the first completed order (N in tenure_years), reached in the last */
/* within_days days. */
WITH ranked AS (
  SELECT
    customer_id,
    order_id,
    ordered_at,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY ordered_at NULLS LAST, order_id NULLS LAST) AS n
  FROM orders
  WHERE
    status = 'completed'
    AND ordered_at <= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
), firsts AS (
  SELECT
    customer_id,
    ordered_at AS first_at
  FROM ranked
  WHERE
    n = 1
), events AS (
  SELECT
    customer_id,
    'order:' || order_id AS event_key,
    ordered_at AS event_at,
    'order number ' || CAST(n AS STRING) AS detail
  FROM ranked
  WHERE
    n IN (5, 10)
    AND ordered_at > CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '30' DAY
  UNION ALL
  SELECT
    f.customer_id,
    'anniversary:' || f.customer_id || ':' || CAST(y.k AS STRING),
    f.first_at + TO_YEARS(CAST(y.k AS INT)),
    CAST(y.k AS STRING) || ' years since the first order'
  FROM firsts AS f
  CROSS JOIN (
    SELECT
      range AS k
    FROM EXPLODE(SEQUENCE(1, 100))
  ) AS y
  WHERE
    y.k IN (1, 3)
    AND f.first_at + TO_YEARS(CAST(y.k AS INT)) > CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '30' DAY
    AND f.first_at + TO_YEARS(CAST(y.k AS INT)) <= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
)
SELECT
  e.customer_id,
  e.event_key,
  e.event_at,
  CAST(NULL AS DOUBLE) AS amount,
  e.detail
FROM events AS e
WHERE
  NOT EXISTS(
    SELECT
      1
    FROM gestures AS g
    WHERE
      g.trigger = 'milestone_thanks' AND g.event_key = e.event_key
  )
ORDER BY
  e.event_at NULLS LAST,
  e.event_key NULLS LAST
