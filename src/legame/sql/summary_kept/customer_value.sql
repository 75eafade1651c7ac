-- summary_kept/customer_value: customer_value made again from the one it replaces
-- (_customer_value_before) when only some customers' orders changed since (_touched,
-- summary_kept/touched), equal to what customer_summary makes, without reading every
-- customer's orders. The touched customers' rows are made again from their orders
-- (customer_summary_body). The others keep theirs, since their orders did not change, with
-- recency and T measured again to this cutoff. Valid when both summaries held every
-- completed order: none is dated after either cutoff (scoring checks). revenue_12m is
-- summed again for everyone from the orders of the until day and the 364 days before it
-- (the occasions customer_summary counts there are exactly those days' orders). A customer
-- without purchases keeps a row with no history and zero revenue, as
-- customers_without_orders makes it.
WITH fresh AS (
    WITH summary_orders AS (
        SELECT * FROM orders WHERE customer_id IN (SELECT customer_id FROM _touched)
    ),
    {{ customer_summary_body }}
),
kept AS (
    SELECT
        customer_id,
        frequency,
        {{ summary_recency }} AS recency,
        {{ summary_age }} AS T,
        monetary_value,
        orders,
        revenue,
        first_order_at,
        last_order_at,
        pattern
    FROM _customer_value_before b
    WHERE NOT EXISTS (SELECT 1 FROM _touched t WHERE t.customer_id = b.customer_id)
),
spend_12m AS (
    SELECT customer_id, CAST(SUM(amount) AS DOUBLE) AS revenue_12m
    FROM orders
    WHERE status = 'completed'
        AND ordered_at >= $until - INTERVAL 364 DAY
        AND ordered_at < $until + INTERVAL 1 DAY
    GROUP BY customer_id
)
SELECT
    s.customer_id,
    s.frequency,
    s.recency,
    s.T,
    s.monetary_value,
    s.orders,
    s.revenue,
    COALESCE(r.revenue_12m, 0) AS revenue_12m,
    s.first_order_at,
    s.last_order_at,
    s.pattern
FROM (
    SELECT * FROM kept
    UNION ALL BY NAME
    SELECT * EXCLUDE (revenue_12m) FROM fresh
) s
LEFT JOIN spend_12m r ON r.customer_id = s.customer_id
