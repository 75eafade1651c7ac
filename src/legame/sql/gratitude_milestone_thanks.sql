-- Gratitude, milestones: the Nth completed order (N in order_counts) and the Nth
-- anniversary of the first completed order (N in tenure_years), reached in the last
-- within_days days.
WITH ranked AS (
    SELECT customer_id, order_id, ordered_at,
           ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY ordered_at, order_id) AS n
    FROM orders
    WHERE status = 'completed' AND ordered_at <= $as_of
),
firsts AS (
    SELECT customer_id, ordered_at AS first_at FROM ranked WHERE n = 1
),
events AS (
    SELECT customer_id, 'order:' || order_id AS event_key, ordered_at AS event_at,
           'order number ' || CAST(n AS VARCHAR) AS detail
    FROM ranked
    WHERE n IN $order_counts AND ordered_at > $as_of - INTERVAL $within_days DAY
    UNION ALL
    SELECT f.customer_id, 'anniversary:' || f.customer_id || ':' || CAST(y.k AS VARCHAR),
           f.first_at + TO_YEARS(CAST(y.k AS INTEGER)),
           CAST(y.k AS VARCHAR) || ' years since the first order'
    FROM firsts f CROSS JOIN (SELECT range AS k FROM range(1, 101)) y
    WHERE y.k IN $tenure_years
      AND f.first_at + TO_YEARS(CAST(y.k AS INTEGER)) > $as_of - INTERVAL $within_days DAY
      AND f.first_at + TO_YEARS(CAST(y.k AS INTEGER)) <= $as_of
)
SELECT e.customer_id, e.event_key, e.event_at, CAST(NULL AS DOUBLE) AS amount, e.detail
FROM events e
WHERE NOT EXISTS (SELECT 1 FROM gestures g
                  WHERE g.trigger = 'milestone_thanks' AND g.event_key = e.event_key)
ORDER BY e.event_at, e.event_key
