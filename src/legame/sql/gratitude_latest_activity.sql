-- The gratitude program: the latest moment the store knows of (an order, a fee, a ticket, a
-- survey answer or a referral), the default time of a plan and of its results.
SELECT greatest(
    (SELECT max(ordered_at) FROM orders),
    (SELECT max(charged_at) FROM charges),
    (SELECT max(opened_at) FROM tickets),
    (SELECT max(answered_at) FROM survey_responses),
    (SELECT max(referred_at) FROM referrals)
) AS latest
