/* Covariates, time-varying: at each repeat purchase (occasion j >= 1 of */
/* defs/purchase_occasions), how many gestures of gratitude the customer had received at */
/* or before it (given before TIMESTAMP '2026-01-01 00:00:00'; holdout-arm gestures were withheld, so not */
/* received), in customer_id, j order. */
WITH occ AS (
  SELECT
    customer_id,
    first_at,
    last_at,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY first_at NULLS LAST) - 1 AS j,
    LEAD(first_at) OVER (PARTITION BY customer_id ORDER BY first_at NULLS LAST) AS next_at
  FROM (
    SELECT
      customer_id,
      MIN(ordered_at) AS first_at,
      MAX(ordered_at) AS last_at
    FROM orders
    WHERE
      status = 'completed'
      AND ordered_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ) + INTERVAL '1' DAY
    GROUP BY
      customer_id,
      CASE WHEN TRUE THEN CAST(ordered_at AS DATE) ELSE ordered_at END
  ) AS occasions
), given AS (
  SELECT
    customer_id,
    given_at
  FROM gestures
  WHERE
    given_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
    AND COALESCE(arm, 'treatment') <> 'holdout'
)
SELECT
  COUNT(g.given_at) AS value
FROM occ AS o
LEFT JOIN given AS g
  ON g.customer_id = o.customer_id AND g.given_at <= o.last_at
WHERE
  o.j >= 1
GROUP BY
  o.customer_id,
  o.j
ORDER BY
  o.customer_id NULLS LAST,
  o.j NULLS LAST
