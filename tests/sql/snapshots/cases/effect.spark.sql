/* cases/effect: the detractor cases in detractor_callback's experiment (arm treatment or */
/* holdout) whose whole follow-up is observed (the answer at least 180 days */
/* before TIMESTAMP '2026-01-01 00:00:00'), each with whether it was called, the customer's next NPS answer after */
/* the detractor answer within the follow-up (NULL: none), and the completed orders in the */
/* follow-up (after the answer, up to followup_days later). Only the cases opened in the */
/* period [$1, $2) (defs/case_event_in: bound, off when NULL). */
WITH experiment AS (
  SELECT
    case_id,
    customer_id,
    arm,
    event_at,
    first_contact_at
  FROM cases
  WHERE
    kind = 'detractor'
    AND arm IN ('treatment', 'holdout')
    AND event_at <= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '180' DAY
    AND (
      CAST(:1 AS TIMESTAMP_NTZ) IS NULL OR event_at >= :1
    )
    AND (
      CAST(:2 AS TIMESTAMP_NTZ) IS NULL OR event_at < :2
    )
), next_answer AS (
  SELECT
    case_id,
    next_nps
  FROM (
    SELECT
      e.case_id,
      r.nps AS next_nps,
      ROW_NUMBER() OVER (
        PARTITION BY e.case_id
        ORDER BY r.answered_at NULLS LAST, r.response_id NULLS LAST
      ) AS k
    FROM experiment AS e
    JOIN survey_responses AS r
      ON r.customer_id = e.customer_id
      AND NOT r.nps IS NULL
      AND r.answered_at > e.event_at
      AND r.answered_at <= e.event_at + INTERVAL '180' DAY
  ) AS ranked
  WHERE
    k = 1
), bought AS (
  SELECT
    e.case_id,
    COUNT(o.order_id) AS orders_after
  FROM experiment AS e
  LEFT JOIN orders AS o
    ON o.customer_id = e.customer_id
    AND o.status = 'completed'
    AND o.ordered_at > e.event_at
    AND o.ordered_at <= e.event_at + INTERVAL '180' DAY
  GROUP BY
    e.case_id
)
SELECT
  e.case_id,
  e.customer_id,
  e.arm,
  NOT e.first_contact_at IS NULL AS contacted,
  n.next_nps,
  b.orders_after
FROM experiment AS e
JOIN bought AS b
  ON b.case_id = e.case_id
LEFT JOIN next_answer AS n
  ON n.case_id = e.case_id
ORDER BY
  e.case_id NULLS LAST
