-- validate/first_order_day: the day of the first completed order before before, where the
-- workspace's history starts (score --model auto cuts its holdout from that history).
SELECT MIN(CAST(ordered_at AS DATE)) AS first_order_day
FROM orders
WHERE status = 'completed' AND ordered_at < $before
