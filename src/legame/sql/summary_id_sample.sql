-- A sample of the customers' ids, sorted: where legame.summary_plan cuts the ids into
-- ranges, one run of customer_summary_days each. The same sample every time.
SELECT customer_id
FROM customers
USING SAMPLE reservoir($rows ROWS) REPEATABLE (1)
ORDER BY customer_id
