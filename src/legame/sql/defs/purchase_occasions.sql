-- Each customer's purchase occasions up to the end of the until day, as customer_summary
-- counts them: completed orders, and with $merge_day the orders of one UTC day are one
-- occasion. Per occasion: its first and last order (first_at, last_at), its number j (0
-- for the first purchase, then 1 ... frequency: the repeat purchases, after each of which
-- the dropout is decided) and the first order of the next occasion (next_at; NULL for the
-- last one).
SELECT
    customer_id,
    first_at,
    last_at,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY first_at) - 1 AS j,
    LEAD(first_at) OVER (PARTITION BY customer_id ORDER BY first_at) AS next_at
FROM (
    SELECT customer_id, MIN(ordered_at) AS first_at, MAX(ordered_at) AS last_at
    FROM orders
    WHERE status = 'completed' AND ordered_at < $until + INTERVAL 1 DAY
    GROUP BY customer_id, CASE WHEN $merge_day THEN CAST(ordered_at AS DATE) ELSE ordered_at END
) occasions
