-- cases/candidates: what calls for a case at $as_of and has none yet (no case with its
-- source_key): every NPS answer of $max_nps or lower (a detractor), and every ticket poor by
-- defs/poor_ticket as known at as_of (the rule the findings and the scores use), among the
-- answers and tickets from $1 (bound: the lookback's start) to before as_of. A poor ticket
-- says which parts of the rule it broke (defs/slow_response, defs/slow_resolution, a CSAT of
-- $poor_csat or less).
WITH answers AS (
    SELECT
        'detractor' AS kind,
        'survey:' || response_id AS source_key,
        customer_id,
        answered_at AS event_at,
        nps,
        comment,
        CAST(NULL AS VARCHAR) AS ticket_id,
        CAST(NULL AS VARCHAR) AS category,
        FALSE AS slow_response,
        FALSE AS slow_resolution,
        FALSE AS low_csat,
        CAST(NULL AS INTEGER) AS csat
    FROM survey_responses
    WHERE nps <= $max_nps AND answered_at < $as_of AND answered_at >= $1
),
poor_tickets AS (
    SELECT
        'poor_service' AS kind,
        'ticket:' || ticket_id AS source_key,
        customer_id,
        opened_at AS event_at,
        CAST(NULL AS INTEGER) AS nps,
        CAST(NULL AS VARCHAR) AS comment,
        ticket_id,
        category,
        COALESCE({{ slow_response }}, FALSE) AS slow_response,
        COALESCE({{ slow_resolution }}, FALSE) AS slow_resolution,
        COALESCE(csat <= $poor_csat, FALSE) AS low_csat,
        CAST(csat AS INTEGER) AS csat
    FROM tickets
    WHERE opened_at < $as_of AND opened_at >= $1 AND {{ poor_ticket }}
),
found AS (
    SELECT * FROM answers
    UNION ALL
    SELECT * FROM poor_tickets
)
SELECT f.*
FROM found f
WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.source_key = f.source_key)
ORDER BY f.event_at, f.source_key
