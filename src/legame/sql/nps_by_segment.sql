-- NPS answer counts per RFM segment of the customer in customer_scores, of the answers in
-- [$start, $end): each customer's latest, or every answer with $every (defs/nps_counted).
WITH a AS (
    SELECT customer_id, nps,
           ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY {{ newest_answer_first }})
               AS k
    FROM survey_responses
    WHERE nps IS NOT NULL AND answered_at >= $start AND answered_at < $end
)
SELECT
    COALESCE(s.segment, 'not scored') AS grp,
    SUM(CASE WHEN a.nps >= 9 THEN 1 ELSE 0 END) AS promoters,
    SUM(CASE WHEN a.nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives,
    SUM(CASE WHEN a.nps <= 6 THEN 1 ELSE 0 END) AS detractors
FROM a
LEFT JOIN customer_scores s ON s.customer_id = a.customer_id
WHERE {{ nps_counted }}
GROUP BY COALESCE(s.segment, 'not scored')
ORDER BY grp
