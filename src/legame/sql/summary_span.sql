-- The completed orders up to the end of the until day: when the first was placed (NULL
-- without one), where customer_summary_days's bitmaps of days start, and how many there
-- are, which the room those bitmaps need grows with (legame.summary_plan).
SELECT MIN(ordered_at) AS first_order_at, COUNT(*) AS orders
FROM orders
WHERE status = 'completed' AND ordered_at < $until + INTERVAL 1 DAY
