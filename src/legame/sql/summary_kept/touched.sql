-- summary_kept/touched: the customers whose orders may have changed since the import batch
-- $orders_batch (the last batch when customer_value was built): those of every order a
-- later batch inserted or updated (an update sets the row's _batch_id), and those an
-- update took an order from (the customer_id before the change, from row_changes). An
-- erasure removes the customer's rows from orders and customer_value alike.
SELECT customer_id
FROM orders
WHERE _batch_id > $orders_batch
UNION
SELECT json_extract_string(before, '$$.customer_id') AS customer_id
FROM row_changes
WHERE table_name = 'orders'
    AND batch_id > $orders_batch
    AND json_extract_string(before, '$$.customer_id') IS NOT NULL
