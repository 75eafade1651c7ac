-- NPS answer counts per calendar month (UTC) of the answer.
SELECT
    STRFTIME(answered_at, '%Y-%m') AS grp,
    SUM(CASE WHEN nps >= 9 THEN 1 ELSE 0 END) AS promoters,
    SUM(CASE WHEN nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives,
    SUM(CASE WHEN nps <= 6 THEN 1 ELSE 0 END) AS detractors
FROM survey_responses
WHERE nps IS NOT NULL
GROUP BY STRFTIME(answered_at, '%Y-%m')
ORDER BY grp
