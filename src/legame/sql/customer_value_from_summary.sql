-- The rows of the table customer_value from the summary kept as the temporary table
-- _summary (customer_summary's rows): `score`, every order read, stages them while the
-- models are fitted.
SELECT * FROM _summary
