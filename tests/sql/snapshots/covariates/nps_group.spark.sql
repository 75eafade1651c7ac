/* Covariates, time-varying: at each repeat purchase (occasion j >= 1 of */
/* defs/purchase_occasions), the group of the customer's latest NPS answer at or before it */
/* (answered before TIMESTAMP '2026-01-01 00:00:00'): detractor (0-6), passive (7-8), promoter (9-10), as */
/* metrics.definitions counts them, or none; in customer_id, j order. Answers at one instant */
/* come in the order of defs/newest_answer_first reversed (the one it calls latest last). */
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
), events AS (
  SELECT
    customer_id,
    answered_at AS event_at,
    1 AS is_answer,
    nps,
    -1 AS j,
    response_id AS tie
  FROM survey_responses
  WHERE
    answered_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) AND NOT nps IS NULL
  UNION ALL
  SELECT
    customer_id,
    last_at AS event_at,
    0 AS is_answer,
    NULL AS nps,
    j,
    NULL AS tie
  FROM occ
  WHERE
    j >= 1
), latest AS (
  SELECT
    customer_id,
    j,
    is_answer,
    LAST_VALUE(nps) IGNORE NULLS OVER (
      PARTITION BY customer_id
      ORDER BY event_at NULLS LAST, is_answer DESC, tie NULLS LAST
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS nps
  FROM events
)
SELECT
  CASE
    WHEN nps IS NULL
    THEN 'none'
    WHEN nps <= 6
    THEN 'detractor'
    WHEN nps <= 8
    THEN 'passive'
    ELSE 'promoter'
  END AS value
FROM latest
WHERE
  is_answer = 0
ORDER BY
  customer_id NULLS LAST,
  j NULLS LAST
