-- summary_kept/read_basis: the stored basis of customer_value (one row).
SELECT orders_batch, reusable FROM customer_value_basis
