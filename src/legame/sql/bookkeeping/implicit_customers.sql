-- bookkeeping/implicit_customers: customers known only from other tables' rows (created
-- implicit by an import or a logged send), not from a customers file.
SELECT count(*) AS implicit_customers FROM customers WHERE implicit
