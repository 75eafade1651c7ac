/* Gratitude, closing the loop: each customer's latest NPS answer of max_nps or lower in */
/* the last within_days days, with their comment and their latest ticket before it, for a */
/* person to call. */
WITH answers AS (
  SELECT
    response_id,
    customer_id,
    answered_at,
    nps,
    comment,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY answered_at DESC, response_id DESC) AS k
  FROM survey_responses
  WHERE
    nps <= 6
    AND answered_at > CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '30' DAY
    AND answered_at <= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
), latest_ticket AS (
  SELECT
    a.response_id,
    t.ticket_id,
    t.category,
    t.opened_at,
    t.resolved_at,
    ROW_NUMBER() OVER (PARTITION BY a.response_id ORDER BY t.opened_at DESC, t.ticket_id DESC) AS k
  FROM answers AS a
  JOIN tickets AS t
    ON t.customer_id = a.customer_id AND t.opened_at <= a.answered_at
  WHERE
    a.k = 1
)
SELECT
  a.customer_id,
  'survey:' || a.response_id AS event_key,
  a.answered_at AS event_at,
  CAST(NULL AS DOUBLE) AS amount,
  'NPS ' || CAST(a.nps AS STRING) || COALESCE(': "' || a.comment || '"', '') || COALESCE(
    '; latest ticket ' || lt.ticket_id || COALESCE(' (' || lt.category || ')', '') || CASE WHEN lt.resolved_at IS NULL THEN ', still open' ELSE ', resolved' END,
    '; no ticket'
  ) AS detail
FROM answers AS a
LEFT JOIN latest_ticket AS lt
  ON lt.response_id = a.response_id AND lt.k = 1
WHERE
  a.k = 1
  AND NOT EXISTS(
    SELECT
      1
    FROM gestures AS g
    WHERE
      g.trigger = 'detractor_callback' AND g.event_key = 'survey:' || a.response_id
  )
ORDER BY
  a.answered_at NULLS LAST,
  a.customer_id NULLS LAST
