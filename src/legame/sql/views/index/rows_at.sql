-- The kept copy: the rows at the bound positions ($1, a list), with the columns of
-- customer_scores and the position, for the caller to put in the page's order.
SELECT * EXCLUDE (id_key, email_key)
FROM listed
WHERE pos IN (SELECT unnest($1::BIGINT[]))
