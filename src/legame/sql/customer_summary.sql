-- Per-customer purchase history: the models' sufficient statistics and the order facts.
-- Purchases are completed orders up to the end of the until day. With merge_day (the
-- convention of the CLV literature) several orders on one UTC day are one purchase
-- occasion and times are whole days, measured to the start of the until day; without it
-- every order is an occasion and times are exact, measured to the end of the until day.
-- frequency = occasions - 1; recency, T in units of unit_days days; monetary_value = mean
-- spend of the repeat occasions. Two-stage group-by (customer and occasion, then
-- customer) is faster than count(DISTINCT).
WITH occasions AS (
    SELECT
        customer_id,
        CASE WHEN $merge_day THEN DATE_TRUNC('day', ordered_at) ELSE ordered_at END AS occasion,
        SUM(CAST(amount AS DOUBLE)) AS spend,
        COUNT(*) AS n_orders,
        MIN(ordered_at) AS first_at,
        MAX(ordered_at) AS last_at
    FROM orders
    WHERE status = 'completed' AND ordered_at < $until + INTERVAL 1 DAY
    GROUP BY customer_id, CASE WHEN $merge_day THEN DATE_TRUNC('day', ordered_at) ELSE ordered_at END
)
SELECT
    customer_id,
    COUNT(*) - 1 AS frequency,
    CAST(DATE_DIFF('second', MIN(occasion), MAX(occasion)) AS DOUBLE) / 86400 / $unit_days
        AS recency,
    CAST(DATE_DIFF('second', MIN(occasion), $end) AS DOUBLE) / 86400 / $unit_days AS T,
    CASE WHEN COUNT(*) > 1
        THEN (SUM(spend) - ARG_MIN(spend, occasion)) / (COUNT(*) - 1) END AS monetary_value,
    SUM(n_orders) AS orders,
    SUM(spend) AS revenue,
    SUM(CASE WHEN occasion >= $until - INTERVAL 364 DAY THEN spend ELSE 0 END) AS revenue_12m,
    MIN(first_at) AS first_order_at,
    MAX(last_at) AS last_order_at
FROM occasions
GROUP BY customer_id
