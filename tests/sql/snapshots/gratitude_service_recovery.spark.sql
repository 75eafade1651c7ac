/* Gratitude, service recovery: tickets opened in the last within_days days that went */
/* wrong: still open after min_unresolved_days, resolved after min_resolution_hours or */
/* more, rated max_csat or lower, or rated min_effort or harder. */
SELECT
  t.customer_id,
  'ticket:' || t.ticket_id AS event_key,
  t.opened_at AS event_at,
  CAST(NULL AS DOUBLE) AS amount,
  CASE
    WHEN t.resolved_at IS NULL
    THEN 'ticket ' || t.ticket_id || ' still open since ' || DATE_FORMAT(t.opened_at, 'yyyy-MM-dd')
    WHEN t.resolved_at >= t.opened_at + INTERVAL '72' HOUR
    THEN 'ticket ' || t.ticket_id || ' took ' || CAST(DATEDIFF(HOUR, DATE_TRUNC('HOUR', t.opened_at), DATE_TRUNC('HOUR', t.resolved_at)) AS STRING) || ' hours'
    WHEN t.csat <= 2
    THEN 'ticket ' || t.ticket_id || ' rated ' || CAST(t.csat AS STRING) || '/5'
    ELSE 'ticket ' || t.ticket_id || ' cost effort ' || CAST(t.effort AS STRING) || '/7'
  END || COALESCE(' (' || t.category || ')', '') AS detail
FROM tickets AS t
WHERE
  t.opened_at > CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '30' DAY
  AND t.opened_at <= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
  AND (
    (
      t.resolved_at IS NULL
      AND t.opened_at <= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '3' DAY
    )
    OR t.resolved_at >= t.opened_at + INTERVAL '72' HOUR
    OR t.csat <= 2
    OR t.effort >= 6
  )
  AND NOT EXISTS(
    SELECT
      1
    FROM gestures AS g
    WHERE
      g.trigger = 'service_recovery' AND g.event_key = 'ticket:' || t.ticket_id
  )
ORDER BY
  t.opened_at NULLS LAST,
  t.ticket_id NULLS LAST
