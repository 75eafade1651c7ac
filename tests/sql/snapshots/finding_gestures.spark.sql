/* Findings: gratitude gestures and what followed. One row per gesture given before as_of: */
/* its arm (treatment or holdout), trigger, whether its follow-up (given_at, given_at + */
/* 180 days] ends by as_of, and the completed orders and their revenue in that */
/* follow-up. */
SELECT
  g.gesture_id,
  g.customer_id,
  COALESCE(g.trigger, g.kind) AS trigger,
  COALESCE(g.arm, 'treatment') AS arm,
  g.given_at,
  CASE
    WHEN g.given_at <= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '180' DAY
    THEN 1
    ELSE 0
  END AS full_followup,
  COUNT(o.order_id) AS orders_after,
  COALESCE(SUM(CAST(o.amount AS DOUBLE)), 0.0) AS spend_after
FROM gestures AS g
LEFT JOIN orders AS o
  ON o.customer_id = g.customer_id
  AND o.status = 'completed'
  AND o.ordered_at > g.given_at
  AND o.ordered_at <= g.given_at + INTERVAL '180' DAY
  AND o.ordered_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
WHERE
  NOT g.given_at IS NULL
  AND g.given_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
GROUP BY
  g.gesture_id,
  g.customer_id,
  COALESCE(g.trigger, g.kind),
  COALESCE(g.arm, 'treatment'),
  g.given_at
ORDER BY
  g.given_at NULLS LAST,
  g.gesture_id NULLS LAST
