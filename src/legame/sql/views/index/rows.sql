-- The server's kept copy of the customer list (legame.views.customer_index), as read from
-- the store: every row of customer_scores with the search keys (defs/customer_keys), in no
-- particular order: the copy numbers its rows as they arrive.
SELECT s.*, {{ customer_keys }}
FROM customer_scores s
JOIN customers c USING (customer_id)
