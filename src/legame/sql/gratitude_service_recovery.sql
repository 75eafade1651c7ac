-- Gratitude, service recovery: tickets opened in the last within_days days that went
-- wrong: still open after min_unresolved_days, resolved after min_resolution_hours or
-- more, rated max_csat or lower, or rated min_effort or harder.
SELECT
    t.customer_id,
    'ticket:' || t.ticket_id AS event_key,
    t.opened_at AS event_at,
    CAST(NULL AS DOUBLE) AS amount,
    CASE
        WHEN t.resolved_at IS NULL
            THEN 'ticket ' || t.ticket_id || ' still open since ' || STRFTIME(t.opened_at, '%Y-%m-%d')
        WHEN t.resolved_at >= t.opened_at + INTERVAL $min_resolution_hours HOUR
            THEN 'ticket ' || t.ticket_id || ' took '
                 || CAST(DATE_DIFF('hour', DATE_TRUNC('hour', t.opened_at),
                                   DATE_TRUNC('hour', t.resolved_at)) AS VARCHAR) || ' hours'
        WHEN t.csat <= $max_csat THEN 'ticket ' || t.ticket_id || ' rated '
                 || CAST(t.csat AS VARCHAR) || '/5'
        ELSE 'ticket ' || t.ticket_id || ' cost effort ' || CAST(t.effort AS VARCHAR) || '/7'
    END || COALESCE(' (' || t.category || ')', '') AS detail
FROM tickets t
WHERE t.opened_at > $as_of - INTERVAL $within_days DAY AND t.opened_at <= $as_of
  AND ((t.resolved_at IS NULL AND t.opened_at <= $as_of - INTERVAL $min_unresolved_days DAY)
       OR t.resolved_at >= t.opened_at + INTERVAL $min_resolution_hours HOUR
       OR t.csat <= $max_csat
       OR t.effort >= $min_effort)
  AND NOT EXISTS (SELECT 1 FROM gestures g
                  WHERE g.trigger = 'service_recovery' AND g.event_key = 'ticket:' || t.ticket_id)
ORDER BY t.opened_at, t.ticket_id
