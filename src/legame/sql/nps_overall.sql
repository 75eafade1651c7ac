-- NPS answer counts over every answered survey (a skipped question is not counted).
SELECT
    'all' AS grp,
    SUM(CASE WHEN nps >= 9 THEN 1 ELSE 0 END) AS promoters,
    SUM(CASE WHEN nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives,
    SUM(CASE WHEN nps <= 6 THEN 1 ELSE 0 END) AS detractors
FROM survey_responses
WHERE nps IS NOT NULL
