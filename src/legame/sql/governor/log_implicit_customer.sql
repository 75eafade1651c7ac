-- governor/log_implicit_customer: create the customer of a logged send as implicit, as
-- ingestion does, unless it exists (bound: $1 customer, $2 batch, $3 source). Returns the
-- row it created (none: the customer was known).
INSERT INTO customers (customer_id, implicit, _batch_id, _source_file)
SELECT $1, true, $2, $3
WHERE NOT EXISTS (SELECT 1 FROM customers WHERE customer_id = $1)
RETURNING customer_id
