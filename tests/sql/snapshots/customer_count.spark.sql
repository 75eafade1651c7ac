/* Every customer the store knows, with orders or without. */
SELECT
  COUNT(*) AS n
FROM customers
