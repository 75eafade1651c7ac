-- NPS answer counts of the answers in [$start, $end) (a skipped question is not counted):
-- each customer's latest answer, or every answer with $every (defs/nps_counted).
WITH a AS (
    SELECT nps,
           ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY {{ newest_answer_first }})
               AS k
    FROM survey_responses
    WHERE nps IS NOT NULL AND answered_at >= $start AND answered_at < $end
)
SELECT
    'all' AS grp,
    SUM(CASE WHEN nps >= 9 THEN 1 ELSE 0 END) AS promoters,
    SUM(CASE WHEN nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives,
    SUM(CASE WHEN nps <= 6 THEN 1 ELSE 0 END) AS detractors
FROM a
WHERE {{ nps_counted }}
