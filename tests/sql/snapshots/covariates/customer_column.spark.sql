/* Covariates: a column of the customers table ("country", a canonical column such as country */
/* or language) as text, for every customer in the summary, in customer_id order (NULL */
/* where the customer has no value). */
SELECT
  CAST(c.`country` AS STRING) AS value
FROM _summary AS s
LEFT JOIN customers AS c
  ON c.customer_id = s.customer_id
ORDER BY
  s.customer_id NULLS LAST
