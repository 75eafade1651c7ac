-- Covariates: an attribute a source file gave beside the canonical columns (kept in the
-- customers' _extra, e.g. acquisition_channel), $key, as text, for every customer in the
-- summary, in customer_id order (NULL where the customer has none).
SELECT c._extra ->> $key AS value
FROM _summary s
LEFT JOIN customers c ON c.customer_id = s.customer_id
ORDER BY s.customer_id
