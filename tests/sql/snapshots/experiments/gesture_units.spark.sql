/* experiments/gesture_units: the gratitude program as an experiment. One row per gesture */
/* whose whole follow-up (given_at, given_at + 180 days] ends by TIMESTAMP '2026-01-01 00:00:00', with: */
/*   its trigger, arm and cost; */
/*   outcomes in the follow-up: completed orders and revenue, an unsubscribe on any */
/*     channel, the latest NPS answer; */
/*   the customer before the gesture (pre-treatment, so a segment cannot be moved by the */
/*     gesture itself): completed orders and revenue in the 180 days before it (the */
/*     covariates CUPED adjusts for), the NPS group of the latest answer before it, and */
/*     the RFM segment at the gesture (recency and frequency quintiles among the */
/*     gestures, equal values in one quintile, with the segment rules every surface uses). */
WITH g AS (
  SELECT
    gesture_id,
    customer_id,
    COALESCE(trigger, kind) AS trigger,
    COALESCE(arm, 'treatment') AS arm,
    CAST(COALESCE(cost, 0) AS DOUBLE) AS cost,
    given_at
  FROM gestures
  WHERE
    NOT given_at IS NULL
    AND given_at <= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '180' DAY
), after AS (
  SELECT
    g.gesture_id,
    COUNT(o.order_id) AS orders_after,
    COALESCE(SUM(CAST(o.amount AS DOUBLE)), 0.0) AS spend_after
  FROM g
  LEFT JOIN orders AS o
    ON o.customer_id = g.customer_id
    AND o.status = 'completed'
    AND o.ordered_at > g.given_at
    AND o.ordered_at <= g.given_at + INTERVAL '180' DAY
  GROUP BY
    g.gesture_id
), before AS (
  SELECT
    g.gesture_id,
    COUNT(o.order_id) AS orders_before,
    MAX(o.ordered_at) AS last_order_before,
    CAST(SUM(CASE WHEN o.ordered_at > g.given_at - INTERVAL '180' DAY THEN 1 ELSE 0 END) AS BIGINT) AS pre_orders,
    COALESCE(
      SUM(
        CASE
          WHEN o.ordered_at > g.given_at - INTERVAL '180' DAY
          THEN CAST(o.amount AS DOUBLE)
          ELSE 0.0
        END
      ),
      0.0
    ) AS pre_revenue
  FROM g
  LEFT JOIN orders AS o
    ON o.customer_id = g.customer_id
    AND o.status = 'completed'
    AND o.ordered_at <= g.given_at
  GROUP BY
    g.gesture_id
), unsubscribed AS (
  SELECT DISTINCT
    g.gesture_id
  FROM g
  JOIN messages AS m
    ON m.customer_id = g.customer_id
    AND NOT m.unsubscribed_at IS NULL
    AND m.unsubscribed_at > g.given_at
    AND m.unsubscribed_at <= g.given_at + INTERVAL '180' DAY
), nps_after AS (
  SELECT
    gesture_id,
    nps
  FROM (
    SELECT
      g.gesture_id,
      r.nps,
      ROW_NUMBER() OVER (PARTITION BY g.gesture_id ORDER BY answered_at DESC, response_id DESC) AS k
    FROM g
    JOIN survey_responses AS r
      ON r.customer_id = g.customer_id
      AND NOT r.nps IS NULL
      AND r.answered_at > g.given_at
      AND r.answered_at <= g.given_at + INTERVAL '180' DAY
  ) AS ranked
  WHERE
    k = 1
), nps_before AS (
  SELECT
    gesture_id,
    nps
  FROM (
    SELECT
      g.gesture_id,
      r.nps,
      ROW_NUMBER() OVER (PARTITION BY g.gesture_id ORDER BY answered_at DESC, response_id DESC) AS k
    FROM g
    JOIN survey_responses AS r
      ON r.customer_id = g.customer_id
      AND NOT r.nps IS NULL
      AND r.answered_at <= g.given_at
  ) AS ranked
  WHERE
    k = 1
), tiles AS (
  SELECT
    b.gesture_id,
    b.orders_before,
    DATEDIFF(SECOND, b.last_order_before, g.given_at) AS since_last,
    NTILE(5) OVER (
      PARTITION BY b.orders_before = 0
      ORDER BY DATEDIFF(SECOND, b.last_order_before, g.given_at) DESC
    ) AS r_tile,
    NTILE(5) OVER (PARTITION BY b.orders_before = 0 ORDER BY b.orders_before NULLS LAST) AS f_tile
  FROM before AS b
  JOIN g
    ON g.gesture_id = b.gesture_id
), scored /* Equal values, equal scores, as in customer_scores (legame.metrics.rfm): each gesture */ /* takes the quintile NTILE gives the first of those holding its value, the smallest of */ /* their tiles. NTILE alone splits a run of equal values at a quintile's start in whatever */ /* order the rows come, which differed between runs. */ AS (
  SELECT
    gesture_id,
    CASE
      WHEN orders_before = 0
      THEN NULL
      ELSE MIN(r_tile) OVER (PARTITION BY orders_before = 0, since_last)
    END AS r_score,
    CASE
      WHEN orders_before = 0
      THEN NULL
      ELSE MIN(f_tile) OVER (PARTITION BY orders_before)
    END AS f_score
  FROM tiles
)
SELECT
  g.gesture_id,
  g.customer_id,
  g.trigger,
  g.arm,
  g.cost,
  g.given_at,
  a.orders_after,
  a.spend_after,
  CASE WHEN u.gesture_id IS NULL THEN 0 ELSE 1 END AS unsubscribed_after,
  na.nps AS nps_after,
  b.pre_orders,
  b.pre_revenue,
  CASE
    WHEN nb.nps IS NULL
    THEN 'none'
    WHEN nb.nps >= 9
    THEN 'promoter'
    WHEN nb.nps <= 6
    THEN 'detractor'
    ELSE 'passive'
  END AS nps_group,
  CASE
    WHEN r_score IS NULL
    THEN 'no purchases'
    WHEN r_score >= 4 AND f_score >= 4
    THEN 'champions'
    WHEN f_score >= 4 AND r_score >= 3
    THEN 'loyal'
    WHEN r_score >= 4 AND f_score >= 2
    THEN 'potential loyalists'
    WHEN r_score >= 4
    THEN 'new'
    WHEN r_score <= 2 AND f_score >= 3
    THEN 'at risk'
    WHEN r_score <= 2
    THEN 'hibernating'
    ELSE 'need attention'
  END AS rfm_segment
FROM g
JOIN after AS a
  ON a.gesture_id = g.gesture_id
JOIN before AS b
  ON b.gesture_id = g.gesture_id
JOIN scored AS s
  ON s.gesture_id = g.gesture_id
LEFT JOIN unsubscribed AS u
  ON u.gesture_id = g.gesture_id
LEFT JOIN nps_after AS na
  ON na.gesture_id = g.gesture_id
LEFT JOIN nps_before AS nb
  ON nb.gesture_id = g.gesture_id
ORDER BY
  g.given_at NULLS LAST,
  g.gesture_id NULLS LAST
