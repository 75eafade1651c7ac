-- NPS answer counts per RFM segment of the customer in customer_scores.
SELECT
    COALESCE(s.segment, 'not scored') AS grp,
    SUM(CASE WHEN r.nps >= 9 THEN 1 ELSE 0 END) AS promoters,
    SUM(CASE WHEN r.nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives,
    SUM(CASE WHEN r.nps <= 6 THEN 1 ELSE 0 END) AS detractors
FROM survey_responses r
LEFT JOIN customer_scores s ON s.customer_id = r.customer_id
WHERE r.nps IS NOT NULL
GROUP BY COALESCE(s.segment, 'not scored')
ORDER BY grp
