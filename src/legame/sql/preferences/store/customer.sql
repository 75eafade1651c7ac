-- preferences/store/customer: what the preference page needs of one customer (bound: $1
-- the customer): the language they speak and their time zone.
SELECT language, time_zone
FROM customers
WHERE customer_id = $1
LIMIT 1
