-- The final SELECT of the per-customer summary, from the relation customer_occasions: per
-- customer its frequency, first_order_at and last_order_at, and as exact decimals its
-- revenue, revenue_12m and first_spend (the spend of its first purchase occasion).
-- customer_summary says what each column is.
SELECT
    customer_id,
    frequency,
    {{ summary_recency }} AS recency,
    {{ summary_age }} AS T,
    CASE WHEN frequency > 0 THEN CAST(revenue - first_spend AS DOUBLE) / frequency END
        AS monetary_value,
    orders,
    CAST(revenue AS DOUBLE) AS revenue,
    CAST(revenue_12m AS DOUBLE) AS revenue_12m,
    first_order_at,
    last_order_at,
    CAST(0 AS INTEGER) AS pattern
FROM customer_occasions
