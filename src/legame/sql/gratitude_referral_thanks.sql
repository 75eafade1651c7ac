-- Gratitude, referrals: who brought a customer in the last within_days days.
SELECT
    r.referrer_id AS customer_id,
    'referral:' || r.referral_id AS event_key,
    r.referred_at AS event_at,
    CAST(NULL AS DOUBLE) AS amount,
    'referred ' || COALESCE(r.referred_customer_id, 'a new customer') AS detail
FROM referrals r
WHERE r.referred_at > $as_of - INTERVAL $within_days DAY AND r.referred_at <= $as_of
  AND NOT EXISTS (SELECT 1 FROM gestures g
                  WHERE g.trigger = 'referral_thanks' AND g.event_key = 'referral:' || r.referral_id)
ORDER BY r.referred_at, r.referral_id
