-- Findings: every ticket opened before as_of, with the completed order it belongs to (the
-- customer's latest completed order at or before the ticket opened; NULL if none) and what
-- was known of it at as_of (a response, resolution or CSAT recorded later is not known),
-- and whether it was poor by then (defs/poor_ticket).
WITH tk AS (
    SELECT
        ticket_id, customer_id, opened_at,
        CASE WHEN first_response_at < $as_of THEN first_response_at END AS first_response_at,
        CASE WHEN resolved_at < $as_of THEN resolved_at END AS resolved_at,
        csat
    FROM tickets
    WHERE opened_at < $as_of
),
attached AS (
    SELECT ticket_id, order_id FROM (
        SELECT
            tk.ticket_id, o.order_id,
            ROW_NUMBER() OVER (PARTITION BY tk.ticket_id
                               ORDER BY o.ordered_at DESC, o.order_id DESC) AS k
        FROM tk
        JOIN orders o
            ON o.customer_id = tk.customer_id
           AND o.status = 'completed'
           AND o.ordered_at <= tk.opened_at
    ) ranked
    WHERE k = 1
)
SELECT tk.ticket_id, tk.customer_id, a.order_id, tk.opened_at, tk.first_response_at,
       tk.resolved_at, tk.csat, {{ poor_ticket }} AS poor
FROM tk
LEFT JOIN attached a ON a.ticket_id = tk.ticket_id
ORDER BY tk.ticket_id
