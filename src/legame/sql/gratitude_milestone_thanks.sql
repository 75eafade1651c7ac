-- Gratitude, milestones: the Nth completed order (N in order_counts) and the Nth
-- anniversary of the first completed order (N in tenure_years), reached in the last
-- within_days days. Reads the program's gratitude_history (each customer's first completed
-- order, and how many they had up to its window_start) and gratitude_recent_orders (the
-- completed orders after it): an order's N is that number plus its rank among the
-- customer's recent orders.
WITH ranked AS (
    SELECT o.customer_id, o.order_id, o.ordered_at,
           h.orders_before + ROW_NUMBER() OVER (PARTITION BY o.customer_id
                                                ORDER BY o.ordered_at, o.order_id) AS n
    FROM gratitude_recent_orders o
    JOIN (SELECT customer_id, orders_before FROM gratitude_history WHERE orders_after > 0) h
        ON h.customer_id = o.customer_id
    -- only the customers with an order in this trigger's window (the recent orders can
    -- reach further back, for the fee's window)
    WHERE o.customer_id IN (SELECT customer_id FROM gratitude_recent_orders
                            WHERE ordered_at > $as_of - INTERVAL $within_days DAY)
),
-- (k, the year of a first order whose kth anniversary can fall in the window, as the year
-- of a date k years on is its year plus k, and a range of first orders a little wider than
-- those whose kth anniversary is in the window, even around 29 February; k years are
-- k * INTERVAL 1 YEAR and the ranges are unnested lists, which Spark SQL has too)
years AS (
    SELECT CAST(ks.k AS INTEGER) AS k, ys.y - ks.k AS first_year,
           $as_of - INTERVAL $within_days DAY - ks.k * INTERVAL 1 YEAR - INTERVAL 3 DAY AS after,
           $as_of - ks.k * INTERVAL 1 YEAR + INTERVAL 3 DAY AS until
    FROM unnest(range(1, 101)) AS ks(k)
    CROSS JOIN unnest(range(YEAR($as_of - INTERVAL $within_days DAY), YEAR($as_of) + 1)) AS ys(y)
    WHERE ks.k IN $tenure_years
),
events AS (
    SELECT customer_id, 'order:' || order_id AS event_key, ordered_at AS event_at,
           'order number ' || CAST(n AS VARCHAR) AS detail
    FROM ranked
    WHERE n IN $order_counts AND ordered_at > $as_of - INTERVAL $within_days DAY
    UNION ALL
    SELECT h.customer_id, 'anniversary:' || h.customer_id || ':' || CAST(y.k AS VARCHAR),
           h.first_at + y.k * INTERVAL 1 YEAR,
           CAST(y.k AS VARCHAR) || ' years since the first order'
    FROM gratitude_history h JOIN years y ON YEAR(h.first_at) = y.first_year
    WHERE h.first_at > y.after AND h.first_at <= y.until
      AND h.first_at + y.k * INTERVAL 1 YEAR > $as_of - INTERVAL $within_days DAY
      AND h.first_at + y.k * INTERVAL 1 YEAR <= $as_of
)
SELECT e.customer_id, e.event_key, e.event_at, CAST(NULL AS DOUBLE) AS amount, e.detail
FROM events e
WHERE NOT EXISTS (SELECT 1 FROM gestures g
                  WHERE g.trigger = 'milestone_thanks' AND g.event_key = e.event_key)
ORDER BY e.event_at, e.event_key
