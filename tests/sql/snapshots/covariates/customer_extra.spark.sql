/* Covariates: an attribute a source file gave beside the canonical columns (kept in the */
/* customers' _extra, e.g. acquisition_channel), 'acquisition_channel', as text, for every customer in the */
/* summary, in customer_id order (NULL where the customer has none). */
SELECT
  GET_JSON_OBJECT(c._extra, '$.acquisition_channel') AS value
FROM _summary AS s
LEFT JOIN customers AS c
  ON c.customer_id = s.customer_id
ORDER BY
  s.customer_id NULLS LAST
