-- Covariates, time-varying: at each repeat purchase (occasion j >= 1 of
-- defs/purchase_occasions), whether the customer has had a poor support experience that
-- belongs to it or to an earlier purchase (1 or 0), in customer_id, j order. A ticket is
-- poor by defs/poor_ticket as known at $as_of (the findings' rule); it belongs to the
-- latest purchase at or before it opened, so it counts from that purchase on, i.e. when it
-- opened after the customer's first purchase and before the next purchase (for the last
-- purchase: before as_of).
WITH occ AS (
    {{ purchase_occasions }}
),
tk AS (
    SELECT
        customer_id, opened_at,
        CASE WHEN first_response_at < $as_of THEN first_response_at END AS first_response_at,
        CASE WHEN resolved_at < $as_of THEN resolved_at END AS resolved_at,
        csat
    FROM tickets
    WHERE opened_at < $as_of
),
first_poor AS (
    SELECT tk.customer_id, MIN(tk.opened_at) AS poor_at
    FROM tk
    JOIN occ ON occ.customer_id = tk.customer_id AND occ.j = 0 AND tk.opened_at >= occ.first_at
    WHERE {{ poor_ticket }}
    GROUP BY tk.customer_id
)
SELECT CASE WHEN p.poor_at < COALESCE(o.next_at, $as_of) THEN 1 ELSE 0 END AS value
FROM occ o
LEFT JOIN first_poor p ON p.customer_id = o.customer_id
WHERE o.j >= 1
ORDER BY o.customer_id, o.j
