/* preferences/summary: the customers whose current choice (their latest saved form) is a */
/* lower cadence than the policy allows, per kind, and their value around the choice. */
/* A form is lower when it allows fewer messages in 7 days than week_cap or in 30 days than */
/* month_cap (what the policy's caps across every channel allow; NULL: no cap, so any */
/* number is fewer), sets a pause or a stop, or keeps fewer channels than the policy's */
/* channel_count. The moment of the choice ("since") is the first lower form after the */
/* customer's latest form that was not lower. Per kind ('all': every such customer): */
/* customers; those whose window_days days after the choice end by as_of (observed); among */
/* them, completed orders and revenue per customer in the window_days days before and */
/* after; the mean CLV of the scores now (the scores parameter names customer_scores, or */
/* no_scores, the empty stand-in below, before the first score). */
WITH no_scores AS (
  SELECT
    CAST(NULL AS STRING) AS customer_id,
    CAST(NULL AS DOUBLE) AS clv
  WHERE
    FALSE
), forms AS (
  SELECT
    customer_id,
    `at`,
    COALESCE(NOT max_per_week IS NULL AND (
      3 IS NULL OR max_per_week < 3
    ), FALSE) AS fewer_per_week,
    COALESCE(NOT max_per_month IS NULL AND (
      NULL IS NULL OR max_per_month < NULL
    ), FALSE) AS fewer_per_month,
    COALESCE(NOT channels IS NULL AND SIZE(channels) < 5, FALSE) AS fewer_channels,
    COALESCE(paused_until > `at`, FALSE) AS paused,
    COALESCE(stopped, FALSE) AS stopped
  FROM contact_preferences
), flagged AS (
  SELECT
    *,
    fewer_per_week OR fewer_per_month OR fewer_channels OR paused OR stopped AS is_lower,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY `at` DESC) AS k
  FROM forms
), runs AS (
  SELECT
    *,
    MAX(CASE WHEN NOT is_lower THEN `at` END) OVER (PARTITION BY customer_id) AS higher_at
  FROM flagged
), since AS (
  SELECT
    customer_id,
    MIN(`at`) AS since
  FROM runs
  WHERE
    is_lower AND (
      higher_at IS NULL OR `at` > higher_at
    )
  GROUP BY
    customer_id
), chosen AS (
  SELECT
    r.customer_id,
    r.fewer_per_week,
    r.fewer_per_month,
    r.fewer_channels,
    r.paused,
    r.stopped,
    s.since
  FROM runs AS r
  JOIN since AS s
    ON s.customer_id = r.customer_id
  WHERE
    r.k = 1 AND r.is_lower
), valued AS (
  SELECT
    c.customer_id,
    c.fewer_per_week,
    c.fewer_per_month,
    c.fewer_channels,
    c.paused,
    c.stopped,
    c.since + INTERVAL '30' DAY <= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) AS observed,
    SUM(CASE WHEN o.ordered_at < c.since THEN 1 ELSE 0 END) AS orders_before,
    SUM(CASE WHEN o.ordered_at >= c.since THEN 1 ELSE 0 END) AS orders_after,
    SUM(CASE WHEN o.ordered_at < c.since THEN o.amount ELSE 0 END) AS revenue_before,
    SUM(CASE WHEN o.ordered_at >= c.since THEN o.amount ELSE 0 END) AS revenue_after
  FROM chosen AS c
  LEFT JOIN orders AS o
    ON o.customer_id = c.customer_id
    AND o.status = 'completed'
    AND o.ordered_at >= c.since - INTERVAL '30' DAY
    AND o.ordered_at < c.since + INTERVAL '30' DAY
  GROUP BY
    c.customer_id,
    c.fewer_per_week,
    c.fewer_per_month,
    c.fewer_channels,
    c.paused,
    c.stopped,
    c.since
), kinds AS (
  SELECT
    *
  FROM VALUES
    ('all'),
    ('fewer_per_week'),
    ('fewer_per_month'),
    ('fewer_channels'),
    ('paused'),
    ('stopped') AS t(kind)
)
SELECT
  k.kind,
  COUNT(*) AS customers,
  SUM(CASE WHEN v.observed THEN 1 ELSE 0 END) AS observed,
  AVG(CASE WHEN v.observed THEN v.orders_before END) AS orders_before,
  AVG(CASE WHEN v.observed THEN v.orders_after END) AS orders_after,
  AVG(CASE WHEN v.observed THEN CAST(v.revenue_before AS DOUBLE) END) AS revenue_before,
  AVG(CASE WHEN v.observed THEN CAST(v.revenue_after AS DOUBLE) END) AS revenue_after,
  AVG(s.clv) AS clv_mean
FROM kinds AS k
JOIN valued AS v
  ON CASE k.kind
    WHEN 'all'
    THEN TRUE
    WHEN 'fewer_per_week'
    THEN v.fewer_per_week
    WHEN 'fewer_per_month'
    THEN v.fewer_per_month
    WHEN 'fewer_channels'
    THEN v.fewer_channels
    WHEN 'paused'
    THEN v.paused
    ELSE v.stopped
  END
LEFT JOIN `customer_scores` AS s
  ON s.customer_id = v.customer_id
GROUP BY
  k.kind
ORDER BY
  k.kind NULLS LAST
