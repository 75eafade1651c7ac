-- Counts of the period [$start, $end) and of the one before it, [$previous_start, $start):
-- completed orders and their revenue, survey answers and tickets.
-- revenue_sq (the sum of squared amounts) is what the revenue change's interval needs.
WITH orders_in AS (
    SELECT CASE WHEN ordered_at >= $start THEN 'current' ELSE 'previous' END AS period,
           amount
    FROM orders
    WHERE status = 'completed'
      AND ordered_at < $end AND ordered_at >= COALESCE($previous_start, $start)
),
bought AS (
    SELECT period, count(*) AS orders, sum(amount) AS revenue,
           sum(amount * amount) AS revenue_sq
    FROM orders_in GROUP BY period
),
answered AS (
    SELECT CASE WHEN answered_at >= $start THEN 'current' ELSE 'previous' END AS period,
           count(*) AS answers
    FROM survey_responses
    WHERE answered_at < $end AND answered_at >= COALESCE($previous_start, $start)
    GROUP BY 1
),
opened AS (
    SELECT CASE WHEN opened_at >= $start THEN 'current' ELSE 'previous' END AS period,
           count(*) AS tickets
    FROM tickets
    WHERE opened_at < $end AND opened_at >= COALESCE($previous_start, $start)
    GROUP BY 1
),
periods AS (SELECT 'current' AS period UNION ALL SELECT 'previous')
SELECT p.period,
       COALESCE(b.orders, 0) AS orders,
       COALESCE(b.revenue, 0) AS revenue,
       COALESCE(b.revenue_sq, 0) AS revenue_sq,
       COALESCE(a.answers, 0) AS answers,
       COALESCE(o.tickets, 0) AS tickets
FROM periods p
LEFT JOIN bought b USING (period)
LEFT JOIN answered a USING (period)
LEFT JOIN opened o USING (period)
ORDER BY p.period
