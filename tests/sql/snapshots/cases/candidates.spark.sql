/* cases/candidates: what calls for a case at TIMESTAMP '2026-01-01 00:00:00' and has none yet (no case with its */
/* source_key): every NPS answer of 6 or lower (a detractor), and every ticket poor by */
/* defs/poor_ticket as known at as_of (the rule the findings and the scores use), among the */
/* answers and tickets from $1 (bound: the lookback's start) to before as_of. A poor ticket */
/* says which parts of the rule it broke (defs/slow_response, defs/slow_resolution, a CSAT of */
/* 2 or less). */
WITH answers AS (
  SELECT
    'detractor' AS kind,
    'survey:' || response_id AS source_key,
    customer_id,
    answered_at AS event_at,
    nps,
    comment,
    CAST(NULL AS STRING) AS ticket_id,
    CAST(NULL AS STRING) AS category,
    FALSE AS slow_response,
    FALSE AS slow_resolution,
    FALSE AS low_csat,
    CAST(NULL AS INT) AS csat
  FROM survey_responses
  WHERE
    nps <= 6
    AND answered_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
    AND answered_at >= :1
), poor_tickets AS (
  SELECT
    'poor_service' AS kind,
    'ticket:' || ticket_id AS source_key,
    customer_id,
    opened_at AS event_at,
    CAST(NULL AS INT) AS nps,
    CAST(NULL AS STRING) AS comment,
    ticket_id,
    category,
    COALESCE(
      (
        (
          first_response_at IS NULL
          OR first_response_at >= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
        )
        AND opened_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '48' HOUR
        OR first_response_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
        AND first_response_at > opened_at + INTERVAL '48' HOUR
      ),
      FALSE
    ) AS slow_response,
    COALESCE(
      (
        (
          resolved_at IS NULL
          OR resolved_at >= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
        )
        AND opened_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '7' DAY
        OR resolved_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
        AND resolved_at > opened_at + INTERVAL '7' DAY
      ),
      FALSE
    ) AS slow_resolution,
    COALESCE(csat <= 2, FALSE) AS low_csat,
    CAST(csat AS INT) AS csat
  FROM tickets
  WHERE
    opened_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
    AND opened_at >= :1
    AND COALESCE(
      (
        (
          first_response_at IS NULL
          OR first_response_at >= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
        )
        AND opened_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '48' HOUR
        OR first_response_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
        AND first_response_at > opened_at + INTERVAL '48' HOUR
      )
      OR (
        (
          resolved_at IS NULL
          OR resolved_at >= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
        )
        AND opened_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '7' DAY
        OR resolved_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
        AND resolved_at > opened_at + INTERVAL '7' DAY
      )
      OR csat <= 2,
      FALSE
    )
), found AS (
  SELECT
    *
  FROM answers
  UNION ALL
  SELECT
    *
  FROM poor_tickets
)
SELECT
  f.*
FROM found AS f
WHERE
  NOT EXISTS(
    SELECT
      1
    FROM cases AS c
    WHERE
      c.source_key = f.source_key
  )
ORDER BY
  f.event_at NULLS LAST,
  f.source_key NULLS LAST
