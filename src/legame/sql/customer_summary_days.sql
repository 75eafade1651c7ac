-- customer_summary with $merge_day (every order of a UTC day is one purchase occasion),
-- the same rows, in one group-by per customer instead of two. customer_summary's first
-- group-by makes a group per customer and day: almost one per order (10M orders: 9.9M
-- groups), which is most of its time. Here each customer's occasions are counted as the
-- set bits of a bitmap of the days it bought on (BITSTRING_AGG over the days since
-- $first_day, the midnight before the first completed order, to $days, the until day: every
-- completed order up to the until day falls in them), and its first occasion's spend is its
-- first order's amount, unless it has a day of several orders (fewer occasions than
-- orders): then the day's orders are summed (first_days, a second look at those customers'
-- orders only).
-- One run makes the rows of the customers whose id is from $low (NULL: the first) to
-- before $high (NULL: the last); legame.summary_plan cuts the ids into ranges so that each
-- run's bitmaps fit in memory (DuckDB cannot spill them) and its groups stay few.
WITH per_customer AS (
    SELECT
        customer_id,
        BIT_COUNT(
            BITSTRING_AGG(
                CAST((EPOCH_US(ordered_at) - EPOCH_US($first_day)) // 86400000000 AS INTEGER),
                0,
                $days
            )
        ) AS occasions,
        COUNT(*) AS orders,
        SUM(amount) AS revenue,
        SUM(CASE WHEN ordered_at >= $until - INTERVAL 364 DAY THEN amount ELSE 0 END)
            AS revenue_12m,
        MIN(ordered_at) AS first_order_at,
        MAX(ordered_at) AS last_order_at,
        ARG_MIN(amount, ordered_at) AS first_order_spend
    FROM orders
    WHERE status = 'completed'
        AND ordered_at < $until + INTERVAL 1 DAY
        AND ($low IS NULL OR customer_id >= $low)
        AND ($high IS NULL OR customer_id < $high)
    GROUP BY customer_id
),
shared_first AS (
    SELECT customer_id, DATE_TRUNC('day', first_order_at) AS first_day
    FROM per_customer
    WHERE occasions < orders
),
first_days AS (
    SELECT o.customer_id, SUM(o.amount) AS first_spend
    FROM orders o
    JOIN shared_first s ON s.customer_id = o.customer_id
    WHERE o.status = 'completed'
        AND ($low IS NULL OR o.customer_id >= $low)
        AND ($high IS NULL OR o.customer_id < $high)
        AND o.ordered_at >= s.first_day
        AND o.ordered_at < s.first_day + INTERVAL 1 DAY
    GROUP BY o.customer_id
),
customer_occasions AS (
    SELECT
        c.customer_id,
        c.occasions - 1 AS frequency,
        c.first_order_at,
        c.last_order_at,
        c.revenue,
        COALESCE(f.first_spend, c.first_order_spend) AS first_spend,
        c.orders,
        c.revenue_12m
    FROM per_customer c
    LEFT JOIN first_days f ON f.customer_id = c.customer_id
)
{{ customer_summary_select }}
