/* NPS answer counts per purchase channel: the channel of the customer's latest completed */
/* order before the answer ('none' when there was none), of the answers in [TIMESTAMP '2025-10-03 00:00:00', TIMESTAMP '2025-12-31 00:00:00'): */
/* each customer's latest, or every answer with FALSE (defs/nps_counted). */
WITH answers AS (
  SELECT
    response_id,
    customer_id,
    answered_at,
    nps,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY answered_at DESC, response_id DESC) AS k
  FROM survey_responses
  WHERE
    NOT nps IS NULL
    AND answered_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
    AND answered_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ)
), a AS (
  SELECT
    *
  FROM answers AS a
  WHERE
    (
      FALSE OR a.k = 1
    )
), answer_channel AS (
  SELECT
    a.response_id,
    a.nps,
    o.channel,
    ROW_NUMBER() OVER (PARTITION BY a.response_id ORDER BY o.ordered_at DESC, o.order_id DESC) AS k
  FROM a
  LEFT JOIN orders AS o
    ON o.customer_id = a.customer_id
    AND o.ordered_at <= a.answered_at
    AND o.status = 'completed'
)
SELECT
  COALESCE(channel, 'none') AS grp,
  SUM(CASE WHEN nps >= 9 THEN 1 ELSE 0 END) AS promoters,
  SUM(CASE WHEN nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives,
  SUM(CASE WHEN nps <= 6 THEN 1 ELSE 0 END) AS detractors
FROM answer_channel
WHERE
  k = 1
GROUP BY
  COALESCE(channel, 'none')
ORDER BY
  grp NULLS LAST
