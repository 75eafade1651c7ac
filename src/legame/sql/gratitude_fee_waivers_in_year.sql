-- The gratitude program: fee_forgiveness gestures per customer in the 365 days before
-- as_of, against the trigger's max_per_year.
SELECT customer_id, count(*) AS waivers
FROM gestures
WHERE trigger = 'fee_forgiveness' AND given_at > $as_of - INTERVAL 365 DAY
GROUP BY customer_id
