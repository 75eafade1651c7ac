-- The sparse half of customer_scores: one row per customer with a survey answer, a ticket
-- or a message before the cutoff ($as_of) to report on: the latest NPS, CSAT, CES and
-- emotional connection, the service experience of the last 90 days (slow responses and poor
-- tickets as defs/slow_response and defs/poor_ticket define them, as known at the cutoff)
-- and the contact pressure of the last 30. Most customers of a large store have none of these, so they are stored
-- apart from the dense customer_value and joined in the view customer_scores, which gives
-- the counts of a customer without a row here as 0.
WITH
answers AS (
    SELECT
        customer_id, response_id, answered_at, nps, csat, ces,
        (COALESCE(emo_stand_out, 0) + COALESCE(emo_confident_future, 0)
         + COALESCE(emo_well_being, 0) + COALESCE(emo_freedom, 0) + COALESCE(emo_thrill, 0)
         + COALESCE(emo_belonging, 0) + COALESCE(emo_environment, 0)
         + COALESCE(emo_self_identity, 0) + COALESCE(emo_secure, 0) + COALESCE(emo_success, 0))
            AS emo_sum,
        (CASE WHEN emo_stand_out IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_confident_future IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_well_being IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_freedom IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_thrill IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_belonging IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_environment IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_self_identity IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_secure IS NULL THEN 0 ELSE 1 END
         + CASE WHEN emo_success IS NULL THEN 0 ELSE 1 END) AS emo_items
    FROM survey_responses
    WHERE answered_at < $as_of
),
latest_nps AS (
    SELECT customer_id, nps, answered_at FROM (
        SELECT customer_id, nps, answered_at,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY {{ newest_answer_first }}) AS k
        FROM answers WHERE nps IS NOT NULL) ranked
    WHERE k = 1
),
latest_csat AS (
    SELECT customer_id, csat FROM (
        SELECT customer_id, csat,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY {{ newest_answer_first }}) AS k
        FROM answers WHERE csat IS NOT NULL) ranked
    WHERE k = 1
),
latest_ces AS (
    SELECT customer_id, ces FROM (
        SELECT customer_id, ces,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY {{ newest_answer_first }}) AS k
        FROM answers WHERE ces IS NOT NULL) ranked
    WHERE k = 1
),
latest_emotion AS (
    SELECT customer_id, emotion FROM (
        SELECT customer_id,
               (CAST(emo_sum AS DOUBLE) / emo_items - 1) / 4 * 100 AS emotion,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY {{ newest_answer_first }}) AS k
        FROM answers WHERE emo_items >= $min_motivator_items) ranked
    WHERE k = 1
),
service AS (
    SELECT
        customer_id,
        COUNT(*) AS tickets_90d,
        COUNT(CASE WHEN {{ slow_response }} THEN 1 END) AS slow_responses_90d,
        COUNT(CASE WHEN csat <= $poor_csat THEN 1 END) AS poor_csat_90d,
        COUNT(CASE WHEN {{ poor_ticket }} THEN 1 END) AS poor_tickets_90d
    FROM tickets
    WHERE opened_at >= $as_of - INTERVAL 90 DAY AND opened_at < $as_of
    GROUP BY customer_id
),
unresolved AS (
    SELECT customer_id, COUNT(*) AS unresolved_tickets
    FROM tickets
    WHERE opened_at < $as_of AND (resolved_at IS NULL OR resolved_at >= $as_of)
    GROUP BY customer_id
),
contact AS (
    SELECT
        customer_id,
        COUNT(CASE WHEN sent_at >= $as_of - INTERVAL 7 DAY THEN 1 END) AS sends_7d,
        COUNT(*) AS sends_30d,
        COUNT(CASE WHEN channel = 'email' THEN 1 END) AS sends_30d_email,
        COUNT(CASE WHEN channel = 'sms' THEN 1 END) AS sends_30d_sms,
        COUNT(CASE WHEN channel = 'push' THEN 1 END) AS sends_30d_push,
        COUNT(CASE WHEN channel NOT IN ('email', 'sms', 'push') THEN 1 END)
            AS sends_30d_other
    FROM messages
    WHERE sent_at >= $as_of - INTERVAL 30 DAY AND sent_at < $as_of
    GROUP BY customer_id
),
voiced AS (
    SELECT customer_id FROM latest_nps
    UNION SELECT customer_id FROM latest_csat
    UNION SELECT customer_id FROM latest_ces
    UNION SELECT customer_id FROM latest_emotion
    UNION SELECT customer_id FROM service
    UNION SELECT customer_id FROM unresolved
    UNION SELECT customer_id FROM contact
)
SELECT
    v.customer_id,
    n.nps,
    n.answered_at AS nps_answered_at,
    cs.csat,
    ce.ces,
    e.emotion AS emotional_connection,
    COALESCE(sv.tickets_90d, 0) AS tickets_90d,
    COALESCE(u.unresolved_tickets, 0) AS unresolved_tickets,
    COALESCE(sv.slow_responses_90d, 0) AS slow_responses_90d,
    COALESCE(sv.poor_csat_90d, 0) AS poor_csat_90d,
    COALESCE(sv.poor_tickets_90d, 0) AS poor_tickets_90d,
    COALESCE(m.sends_7d, 0) AS sends_7d,
    COALESCE(m.sends_30d, 0) AS sends_30d,
    COALESCE(m.sends_30d_email, 0) AS sends_30d_email,
    COALESCE(m.sends_30d_sms, 0) AS sends_30d_sms,
    COALESCE(m.sends_30d_push, 0) AS sends_30d_push,
    COALESCE(m.sends_30d_other, 0) AS sends_30d_other
FROM voiced v
LEFT JOIN latest_nps n ON n.customer_id = v.customer_id
LEFT JOIN latest_csat cs ON cs.customer_id = v.customer_id
LEFT JOIN latest_ces ce ON ce.customer_id = v.customer_id
LEFT JOIN latest_emotion e ON e.customer_id = v.customer_id
LEFT JOIN service sv ON sv.customer_id = v.customer_id
LEFT JOIN unresolved u ON u.customer_id = v.customer_id
LEFT JOIN contact m ON m.customer_id = v.customer_id
