/* The rows of the stored customer_value with a purchase history: the summary the score */
/* fits on (read as _summary). */
SELECT
  *
FROM customer_value
WHERE
  NOT frequency IS NULL
