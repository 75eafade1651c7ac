-- The kept copy: the positions of the customers that pass the list's filters
-- (defs/customer_filter: bound $1 .. $5), in no particular order.
SELECT pos
FROM listed
WHERE {{ customer_filter }}
