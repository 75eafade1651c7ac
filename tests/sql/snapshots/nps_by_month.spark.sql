/* NPS answer counts per calendar month (UTC) of the answer. */
SELECT
  DATE_FORMAT(answered_at, 'yyyy-MM') AS grp,
  SUM(CASE WHEN nps >= 9 THEN 1 ELSE 0 END) AS promoters,
  SUM(CASE WHEN nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives,
  SUM(CASE WHEN nps <= 6 THEN 1 ELSE 0 END) AS detractors
FROM survey_responses
WHERE
  NOT nps IS NULL
GROUP BY
  DATE_FORMAT(answered_at, 'yyyy-MM')
ORDER BY
  grp NULLS LAST
