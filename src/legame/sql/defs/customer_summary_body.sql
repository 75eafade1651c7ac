-- The per-customer summary of the orders in the relation summary_orders (the query that
-- uses this names it in a CTE before: every order, or some customers' orders): the CTEs
-- after that one and the final SELECT of customer_summary, which says what each column is.
-- Amounts are summed as decimals, exactly, and made DOUBLE at the end
-- (customer_summary_select): the sums do not depend on the order DuckDB adds them in, so
-- customer_summary_days, which adds them up per customer, gives the same numbers.
occasions AS (
    SELECT
        customer_id,
        SUM(amount) AS spend,
        COUNT(*) AS n_orders,
        MIN(ordered_at) AS first_at,
        MAX(ordered_at) AS last_at
    FROM summary_orders
    WHERE status = 'completed' AND ordered_at < $until + INTERVAL 1 DAY
    GROUP BY customer_id, CASE WHEN $merge_day THEN CAST(ordered_at AS DATE) ELSE ordered_at END
),
customer_occasions AS (
    SELECT
        customer_id,
        COUNT(*) - 1 AS frequency,
        MIN(first_at) AS first_order_at,
        MAX(last_at) AS last_order_at,
        SUM(spend) AS revenue,
        ARG_MIN(spend, first_at) AS first_spend,
        CAST(SUM(n_orders) AS BIGINT) AS orders,
        SUM(CASE WHEN last_at >= $until - INTERVAL 364 DAY THEN spend ELSE 0 END) AS revenue_12m
    FROM occasions
    GROUP BY customer_id
)
{{ customer_summary_select }}
