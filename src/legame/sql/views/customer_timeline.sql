-- The customer 360: everything that happened with the customer (bound: $1 the customer id),
-- the latest $limit events first: orders, tickets, survey answers, messages, gestures given,
-- charges and referrals made. Each has a line of detail in English and a value where it has
-- one (what the API returns), and the same facts as fields of their own, for surfaces that
-- say them in another language: status (of an order, a ticket, a message, a charge),
-- channel, topic (ticket category, gesture or fee kind), ref (the campaign, the referred
-- customer), arm, note (free text: a survey comment, a gesture's reason) with note_language
-- (the language the source gave, if any), amount (money), csat and nps.
SELECT * FROM (
    SELECT ordered_at AS "at", 'order' AS kind, order_id AS id,
           status || ' ' || channel AS detail, CAST(amount AS DOUBLE) AS value,
           status, channel, CAST(NULL AS VARCHAR) AS topic, CAST(NULL AS VARCHAR) AS ref,
           CAST(NULL AS VARCHAR) AS arm, CAST(NULL AS VARCHAR) AS note,
           CAST(NULL AS VARCHAR) AS note_language, CAST(amount AS DOUBLE) AS amount,
           CAST(NULL AS INTEGER) AS csat, CAST(NULL AS INTEGER) AS nps
    FROM orders WHERE customer_id = $1
    UNION ALL
    SELECT opened_at, 'ticket', ticket_id, coalesce(category, '') ||
           CASE WHEN resolved_at IS NULL THEN ' (unresolved)' ELSE '' END, csat,
           CASE WHEN resolved_at IS NULL THEN 'unresolved' ELSE 'resolved' END, channel,
           category, NULL, NULL, NULL, NULL, NULL, csat, NULL
    FROM tickets WHERE customer_id = $1
    UNION ALL
    SELECT answered_at, 'survey', response_id, coalesce(comment, ''), nps,
           NULL, NULL, NULL, NULL, NULL, comment, "language", NULL, csat, nps
    FROM survey_responses WHERE customer_id = $1
    UNION ALL
    SELECT sent_at, 'message', message_id, channel || coalesce(' ' || campaign_id, '')
           || CASE WHEN unsubscribed_at IS NOT NULL THEN ' (unsubscribed)'
                   WHEN complained_at IS NOT NULL THEN ' (complaint)' ELSE '' END,
           NULL,
           CASE WHEN unsubscribed_at IS NOT NULL THEN 'unsubscribed'
                WHEN complained_at IS NOT NULL THEN 'complained' END,
           channel, NULL, campaign_id, NULL, NULL, NULL, NULL, NULL, NULL
    FROM messages WHERE customer_id = $1
    UNION ALL
    SELECT given_at, 'gesture', gesture_id, kind || ' (' || arm || ')', CAST(cost AS DOUBLE),
           NULL, NULL, kind, NULL, arm, reason, NULL, CAST(cost AS DOUBLE), NULL, NULL
    FROM gestures WHERE customer_id = $1 AND given_at IS NOT NULL
    UNION ALL
    SELECT charged_at, 'charge', charge_id, coalesce(kind, '') ||
           CASE WHEN waived_at IS NOT NULL THEN ' (waived)' ELSE '' END,
           CAST(amount AS DOUBLE),
           CASE WHEN waived_at IS NOT NULL THEN 'waived' END, NULL, kind, NULL, NULL, NULL,
           NULL, CAST(amount AS DOUBLE), NULL, NULL
    FROM charges WHERE customer_id = $1
    UNION ALL
    SELECT referred_at, 'referral', referral_id,
           'referred ' || coalesce(referred_customer_id, 'someone new'), NULL,
           NULL, NULL, NULL, referred_customer_id, NULL, NULL, NULL, NULL, NULL, NULL
    FROM referrals WHERE referrer_id = $1
) ORDER BY "at" DESC, kind, id LIMIT $limit
