-- Covariates: a column of the customers table ($column, a canonical column such as country
-- or language) as text, for every customer in the summary, in customer_id order (NULL
-- where the customer has no value).
SELECT CAST(c.$column AS VARCHAR) AS value
FROM _summary s
LEFT JOIN customers c ON c.customer_id = s.customer_id
ORDER BY s.customer_id
