/* NPS answer counts per calendar month (UTC) of the answers in [TIMESTAMP '2025-10-03 00:00:00', TIMESTAMP '2025-12-31 00:00:00'): each */
/* customer's latest answer of the month, or every answer with FALSE (defs/nps_counted). */
WITH a AS (
  SELECT
    DATE_FORMAT(answered_at, 'yyyy-MM') AS grp,
    nps,
    ROW_NUMBER() OVER (
      PARTITION BY customer_id, DATE_FORMAT(answered_at, 'yyyy-MM')
      ORDER BY answered_at DESC, response_id DESC
    ) AS k
  FROM survey_responses
  WHERE
    NOT nps IS NULL
    AND answered_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
    AND answered_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ)
)
SELECT
  grp,
  SUM(CASE WHEN nps >= 9 THEN 1 ELSE 0 END) AS promoters,
  SUM(CASE WHEN nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives,
  SUM(CASE WHEN nps <= 6 THEN 1 ELSE 0 END) AS detractors
FROM a
WHERE
  (
    FALSE OR a.k = 1
  )
GROUP BY
  grp
ORDER BY
  grp NULLS LAST
