/* Covariates: the attributes kept in the customers' _extra, with how many customers have a */
/* value for each: what `--covariates` accepts besides the canonical columns. */
SELECT
  key,
  COUNT(*) AS customers
FROM (
  SELECT
    EXPLODE(JSON_OBJECT_KEYS(_extra)) AS key,
    _extra
  FROM customers
  WHERE
    NOT _extra IS NULL
) AS k
WHERE
  NOT GET_JSON_OBJECT(_extra, key) IS NULL
GROUP BY
  key
ORDER BY
  key NULLS LAST
