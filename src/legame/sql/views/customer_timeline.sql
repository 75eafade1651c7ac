-- The customer 360: everything that happened with the customer (bound: $1 the customer id),
-- the latest $limit events first: orders, tickets, survey answers, messages, gestures given,
-- charges and referrals made, each with a line of detail and a value where it has one.
SELECT * FROM (
    SELECT ordered_at AS "at", 'order' AS kind, order_id AS id,
           status || ' ' || channel AS detail, CAST(amount AS DOUBLE) AS value
    FROM orders WHERE customer_id = $1
    UNION ALL
    SELECT opened_at, 'ticket', ticket_id, coalesce(category, '') ||
           CASE WHEN resolved_at IS NULL THEN ' (unresolved)' ELSE '' END, csat
    FROM tickets WHERE customer_id = $1
    UNION ALL
    SELECT answered_at, 'survey', response_id, coalesce(comment, ''), nps
    FROM survey_responses WHERE customer_id = $1
    UNION ALL
    SELECT sent_at, 'message', message_id, channel || coalesce(' ' || campaign_id, '')
           || CASE WHEN unsubscribed_at IS NOT NULL THEN ' (unsubscribed)'
                   WHEN complained_at IS NOT NULL THEN ' (complaint)' ELSE '' END,
           NULL
    FROM messages WHERE customer_id = $1
    UNION ALL
    SELECT given_at, 'gesture', gesture_id, kind || ' (' || arm || ')',
           CAST(cost AS DOUBLE)
    FROM gestures WHERE customer_id = $1 AND given_at IS NOT NULL
    UNION ALL
    SELECT charged_at, 'charge', charge_id, coalesce(kind, '') ||
           CASE WHEN waived_at IS NOT NULL THEN ' (waived)' ELSE '' END,
           CAST(amount AS DOUBLE)
    FROM charges WHERE customer_id = $1
    UNION ALL
    SELECT referred_at, 'referral', referral_id,
           'referred ' || coalesce(referred_customer_id, 'someone new'), NULL
    FROM referrals WHERE referrer_id = $1
) ORDER BY "at" DESC, kind, id LIMIT $limit
