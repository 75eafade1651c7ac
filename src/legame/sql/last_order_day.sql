-- The default cutoff of the score and of the findings: the day of the latest completed
-- order before $before (midnight after today, so that an order dated in the future, a typo
-- such as 2099, never moves it past today).
SELECT max(CAST(ordered_at AS DATE)) AS last_order_day
FROM orders
WHERE status = 'completed' AND ordered_at < $before
