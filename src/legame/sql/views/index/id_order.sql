-- The kept copy: the positions in the order of the customer id, the order every sort of
-- the list falls back to between equal values (as views/customer_list sorts).
SELECT pos
FROM listed
ORDER BY customer_id
