/* The span of the store's data: the earliest and the latest order, survey answer or ticket */
/* before TIMESTAMP '2026-01-01 00:00:00' (midnight after today, so a typo dated 2099 never moves "data as of"). */
SELECT
  MIN(earliest) AS data_from,
  MAX(latest) AS data_as_of
FROM (
  SELECT
    MIN(ordered_at) AS earliest,
    MAX(ordered_at) AS latest
  FROM orders
  WHERE
    ordered_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
  UNION ALL
  SELECT
    MIN(answered_at),
    MAX(answered_at)
  FROM survey_responses
  WHERE
    answered_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
  UNION ALL
  SELECT
    MIN(opened_at),
    MAX(opened_at)
  FROM tickets
  WHERE
    opened_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
)
