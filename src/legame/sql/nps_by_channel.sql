-- NPS answer counts per purchase channel: the channel of the customer's latest completed
-- order before the answer ('none' when there was none).
WITH answer_channel AS (
    SELECT r.response_id, r.nps, o.channel,
           ROW_NUMBER() OVER (PARTITION BY r.response_id ORDER BY o.ordered_at DESC) AS k
    FROM survey_responses r
    LEFT JOIN orders o
        ON o.customer_id = r.customer_id AND o.ordered_at <= r.answered_at
       AND o.status = 'completed'
    WHERE r.nps IS NOT NULL
)
SELECT
    COALESCE(channel, 'none') AS grp,
    SUM(CASE WHEN nps >= 9 THEN 1 ELSE 0 END) AS promoters,
    SUM(CASE WHEN nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives,
    SUM(CASE WHEN nps <= 6 THEN 1 ELSE 0 END) AS detractors
FROM answer_channel
WHERE k = 1
GROUP BY COALESCE(channel, 'none')
ORDER BY grp
