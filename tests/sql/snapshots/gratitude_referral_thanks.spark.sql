/* Gratitude, referrals: who brought a customer in the last within_days days. */
SELECT
  r.referrer_id AS customer_id,
  'referral:' || r.referral_id AS event_key,
  r.referred_at AS event_at,
  CAST(NULL AS DOUBLE) AS amount,
  'referred ' || COALESCE(r.referred_customer_id, 'a new customer') AS detail
FROM referrals AS r
WHERE
  r.referred_at > CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '30' DAY
  AND r.referred_at <= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
  AND NOT EXISTS(
    SELECT
      1
    FROM gestures AS g
    WHERE
      g.trigger = 'referral_thanks' AND g.event_key = 'referral:' || r.referral_id
  )
ORDER BY
  r.referred_at NULLS LAST,
  r.referral_id NULLS LAST
