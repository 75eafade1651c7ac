-- Gratitude, fee forgiveness: unwaived fees of the forgivable kinds charged in the last
-- within_days days, up to max_amount, with the customer's history before the charge.
-- Eligibility by tenure, orders or CLV, and max_per_year, are applied by the program.
SELECT
    c.customer_id,
    'charge:' || c.charge_id AS event_key,
    c.charged_at AS event_at,
    CAST(c.amount AS DOUBLE) AS amount,
    COUNT(o.order_id) AS prior_orders,
    COALESCE(DATE_DIFF('day', MIN(o.ordered_at), c.charged_at), 0) AS tenure_days,
    'a ' || COALESCE(c.kind, 'fee') || ' of ' || CAST(CAST(c.amount AS DOUBLE) AS VARCHAR)
        || ' charged on ' || STRFTIME(c.charged_at, '%Y-%m-%d') AS detail
FROM charges c
LEFT JOIN orders o
    ON o.customer_id = c.customer_id AND o.status = 'completed' AND o.ordered_at < c.charged_at
WHERE c.waived_at IS NULL
  AND c.kind IN $fee_kinds
  AND CAST(c.amount AS DOUBLE) <= $max_amount
  AND c.charged_at > $as_of - INTERVAL $within_days DAY AND c.charged_at <= $as_of
  AND NOT EXISTS (SELECT 1 FROM gestures g
                  WHERE g.trigger = 'fee_forgiveness' AND g.event_key = 'charge:' || c.charge_id)
GROUP BY c.customer_id, c.charge_id, c.charged_at, c.amount, c.kind
ORDER BY c.charged_at, c.charge_id
