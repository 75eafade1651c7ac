-- experiments/trigger_volume: how many gestures each trigger gave (both arms) in the
-- $days days before $as_of, and its first one in that window: the eligible volume a
-- planned test of the trigger can expect per day.
SELECT COALESCE(trigger, kind) AS trigger, COUNT(*) AS gestures, MIN(given_at) AS first_at
FROM gestures
WHERE given_at IS NOT NULL AND given_at < $as_of
  AND given_at >= $as_of - INTERVAL $days DAY
GROUP BY COALESCE(trigger, kind)
ORDER BY trigger
