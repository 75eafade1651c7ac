-- Covariates, time-varying, at the cutoff: whether each summary customer (in customer_id
-- order) has had a poor support experience by $as_of, as covariates/poor_service counts one
-- at a purchase: a ticket poor by defs/poor_ticket as known at as_of, opened at or after
-- the customer's first purchase and before as_of (1 or 0). `score --covariates` holds it
-- over the forecast.
WITH tk AS (
    SELECT
        customer_id, opened_at,
        CASE WHEN first_response_at < $as_of THEN first_response_at END AS first_response_at,
        CASE WHEN resolved_at < $as_of THEN resolved_at END AS resolved_at,
        csat
    FROM tickets
    WHERE opened_at < $as_of
),
poor AS (
    SELECT DISTINCT tk.customer_id
    FROM tk
    JOIN _summary s ON s.customer_id = tk.customer_id AND tk.opened_at >= s.first_order_at
    WHERE {{ poor_ticket }}
)
SELECT CASE WHEN p.customer_id IS NULL THEN 0 ELSE 1 END AS value
FROM _summary s
LEFT JOIN poor p ON p.customer_id = s.customer_id
ORDER BY s.customer_id
