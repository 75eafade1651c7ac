-- The customer list: one page of customer_scores, of the customers that pass the list's
-- filters (defs/customer_filter: bound $1 .. $5), sorted by the column $sort, descending or
-- not ($descending), NULLs last, then by customer id; bound: $6 the page size, $7 the rows
-- before the page.
SELECT s.* EXCLUDE (id_key, email_key)
FROM (
    SELECT s.*, {{ customer_keys }}
    FROM customer_scores s
    JOIN customers c USING (customer_id)
) s
WHERE {{ customer_filter }}
ORDER BY CASE WHEN $descending THEN s.$sort END DESC NULLS LAST,
         CASE WHEN NOT $descending THEN s.$sort END ASC NULLS LAST,
         s.customer_id
LIMIT $6 OFFSET $7
