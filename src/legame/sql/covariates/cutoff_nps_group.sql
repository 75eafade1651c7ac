-- Covariates, time-varying, at the cutoff: the group of each summary customer's (in
-- customer_id order) latest NPS answer before $as_of, as covariates/nps_group takes it at a
-- purchase: detractor (0-6), passive (7-8), promoter (9-10), or none. `score --covariates`
-- holds it over the forecast.
SELECT
    CASE
        WHEN l.nps IS NULL THEN 'none'
        WHEN l.nps <= 6 THEN 'detractor'
        WHEN l.nps <= 8 THEN 'passive'
        ELSE 'promoter'
    END AS value
FROM _summary s
LEFT JOIN (
    SELECT customer_id, nps FROM (
        SELECT customer_id, nps,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY {{ newest_answer_first }}) AS k
        FROM survey_responses
        WHERE answered_at < $as_of AND nps IS NOT NULL) ranked
    WHERE k = 1
) l ON l.customer_id = s.customer_id
ORDER BY s.customer_id
