-- The kept copy: one customer's row (bound: $1 the customer id), the columns of
-- customer_scores, as views/customer_scores_row reads it from the store.
SELECT * EXCLUDE (pos, id_key, email_key)
FROM listed
WHERE customer_id = $1
