-- Every customer the store knows, with orders or without.
SELECT count(*) AS n FROM customers
