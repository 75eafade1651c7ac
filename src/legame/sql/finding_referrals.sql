-- Findings: word of mouth. One row per customer with a survey answer before as_of: the
-- first answer's time and NPS (NULL when skipped) and the referrals the customer made from
-- that answer up to as_of (referrals.referrer_id).
WITH first_answer AS (
    SELECT customer_id, answered_at, nps FROM (
        SELECT customer_id, answered_at, nps,
               ROW_NUMBER() OVER (PARTITION BY customer_id
                                  ORDER BY answered_at, response_id) AS k
        FROM survey_responses
        WHERE answered_at < $as_of
    ) ranked
    WHERE k = 1
),
made AS (
    SELECT f.customer_id, COUNT(*) AS referrals
    FROM first_answer f
    JOIN referrals r
        ON r.referrer_id = f.customer_id
       AND r.referred_at >= f.answered_at AND r.referred_at < $as_of
    GROUP BY f.customer_id
)
SELECT f.customer_id, f.answered_at, f.nps, COALESCE(m.referrals, 0) AS referrals
FROM first_answer f
LEFT JOIN made m ON m.customer_id = f.customer_id
ORDER BY f.customer_id
