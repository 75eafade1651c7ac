/* experiments/trigger_volume: how many gestures each trigger gave (both arms) in the */
/* 365 days before TIMESTAMP '2026-01-01 00:00:00', and its first one in that window: the eligible volume a */
/* planned test of the trigger can expect per day. */
SELECT
  COALESCE(trigger, kind) AS trigger,
  COUNT(*) AS gestures,
  MIN(given_at) AS first_at
FROM gestures
WHERE
  NOT given_at IS NULL
  AND given_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
  AND given_at >= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '365' DAY
GROUP BY
  COALESCE(trigger, kind)
ORDER BY
  trigger NULLS LAST
