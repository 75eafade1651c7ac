-- The gratitude program's order history, kept by the program for the fee_forgiveness and
-- milestone_thanks queries so that the orders are grouped once for both: every customer
-- with a completed order up to as_of, with the first of them and how many there were up
-- to window_start (as_of less the longer of the two triggers' windows) and after it.
-- Grouping every order once costs less than ranking them all (ROW_NUMBER over every
-- order), or than first finding the customers who can have a milestone.
SELECT customer_id, MIN(ordered_at) AS first_at,
       COUNT(*) FILTER (WHERE ordered_at <= $window_start) AS orders_before,
       COUNT(*) FILTER (WHERE ordered_at > $window_start) AS orders_after
FROM orders
WHERE status = 'completed' AND ordered_at <= $as_of
GROUP BY customer_id
