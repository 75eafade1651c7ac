-- Covariates, time-varying: at each repeat purchase (occasion j >= 1 of
-- defs/purchase_occasions), the group of the customer's latest NPS answer at or before it
-- (answered before $as_of): detractor (0-6), passive (7-8), promoter (9-10), as
-- metrics.definitions counts them, or none; in customer_id, j order. Answers at one instant
-- come in the order of defs/newest_answer_first reversed (the one it calls latest last).
WITH occ AS (
    {{ purchase_occasions }}
),
events AS (
    SELECT customer_id, answered_at AS event_at, 1 AS is_answer, nps, -1 AS j,
           response_id AS tie
    FROM survey_responses
    WHERE answered_at < $as_of AND nps IS NOT NULL
    UNION ALL
    SELECT customer_id, last_at AS event_at, 0 AS is_answer, NULL AS nps, j, NULL AS tie
    FROM occ
    WHERE j >= 1
),
latest AS (
    SELECT
        customer_id,
        j,
        is_answer,
        LAST_VALUE(nps IGNORE NULLS) OVER (
            PARTITION BY customer_id ORDER BY event_at, is_answer DESC, tie
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS nps
    FROM events
)
SELECT
    CASE
        WHEN nps IS NULL THEN 'none'
        WHEN nps <= 6 THEN 'detractor'
        WHEN nps <= 8 THEN 'passive'
        ELSE 'promoter'
    END AS value
FROM latest
WHERE is_answer = 0
ORDER BY customer_id, j
