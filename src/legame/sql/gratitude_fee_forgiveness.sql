-- Gratitude, fee forgiveness: unwaived fees of the forgivable kinds charged in the last
-- within_days days, up to max_amount, with the customer's history before the charge.
-- Eligibility by tenure, orders or CLV, and max_per_year, are applied by the program.
-- Reads the program's gratitude_history (each customer's first completed order, and how
-- many they had up to its window_start, which is before every fee of the window) and
-- gratitude_recent_orders (the completed orders after it): the orders before a charge are
-- those up to window_start and the recent ones before it.
WITH fees AS (
    SELECT c.customer_id, c.charge_id, c.charged_at, c.amount, c.kind
    FROM charges c
    WHERE c.waived_at IS NULL
      AND c.kind IN $fee_kinds
      AND CAST(c.amount AS DOUBLE) <= $max_amount
      AND c.charged_at > $as_of - INTERVAL $within_days DAY AND c.charged_at <= $as_of
      AND NOT EXISTS (SELECT 1 FROM gestures g
                      WHERE g.trigger = 'fee_forgiveness' AND g.event_key = 'charge:' || c.charge_id)
),
later AS (
    SELECT f.charge_id, COUNT(o.order_id) AS orders
    FROM fees f
    JOIN gratitude_recent_orders o
        ON o.customer_id = f.customer_id AND o.ordered_at < f.charged_at
    GROUP BY f.charge_id
)
SELECT
    f.customer_id,
    'charge:' || f.charge_id AS event_key,
    f.charged_at AS event_at,
    CAST(f.amount AS DOUBLE) AS amount,
    CASE WHEN h.first_at < f.charged_at THEN h.orders_before + COALESCE(l.orders, 0) ELSE 0 END
        AS prior_orders,
    CASE WHEN h.first_at < f.charged_at
         THEN DATE_DIFF('day', CAST(h.first_at AS DATE), CAST(f.charged_at AS DATE)) ELSE 0 END
        AS tenure_days,
    'a ' || COALESCE(f.kind, 'fee') || ' of ' || CAST(CAST(f.amount AS DOUBLE) AS VARCHAR)
        || ' charged on ' || STRFTIME(f.charged_at, '%Y-%m-%d') AS detail
FROM fees f
LEFT JOIN gratitude_history h ON h.customer_id = f.customer_id
LEFT JOIN later l ON l.charge_id = f.charge_id
ORDER BY f.charged_at, f.charge_id
