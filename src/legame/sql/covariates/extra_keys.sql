-- Covariates: the attributes kept in the customers' _extra, with how many customers have a
-- value for each: what `--covariates` accepts besides the canonical columns.
SELECT key, COUNT(*) AS customers
FROM (
    SELECT UNNEST(JSON_KEYS(_extra)) AS key, _extra
    FROM customers
    WHERE _extra IS NOT NULL
) k
WHERE _extra ->> key IS NOT NULL
GROUP BY key
ORDER BY key
