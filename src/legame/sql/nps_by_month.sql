-- NPS answer counts per calendar month (UTC) of the answers in [$start, $end): each
-- customer's latest answer of the month, or every answer with $every (defs/nps_counted).
WITH a AS (
    SELECT STRFTIME(answered_at, '%Y-%m') AS grp, nps,
           ROW_NUMBER() OVER (
               PARTITION BY customer_id, STRFTIME(answered_at, '%Y-%m')
               ORDER BY {{ newest_answer_first }}
           ) AS k
    FROM survey_responses
    WHERE nps IS NOT NULL AND answered_at >= $start AND answered_at < $end
)
SELECT
    grp,
    SUM(CASE WHEN nps >= 9 THEN 1 ELSE 0 END) AS promoters,
    SUM(CASE WHEN nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives,
    SUM(CASE WHEN nps <= 6 THEN 1 ELSE 0 END) AS detractors
FROM a
WHERE {{ nps_counted }}
GROUP BY grp
ORDER BY grp
