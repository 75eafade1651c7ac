/* The overview's breakdowns, all three in one pass over the customers: NPS, CSAT and churn */
/* per RFM segment, per purchase channel (the channel of each customer's latest completed */
/* order before the period's end; 'none' without one) and per country. Per group: the */
/* customers; each one's latest NPS answer in the period [TIMESTAMP '2025-10-03 00:00:00', TIMESTAMP '2025-12-31 00:00:00') as promoter, passive */
/* or detractor; the CSAT answers of the period and how many were 4 or 5; how many scored */
/* customers are at high churn risk now, and the CLV they hold. */
WITH last_channel AS (
  SELECT
    customer_id,
    MAX_BY(channel, ordered_at) AS channel
  FROM orders
  WHERE
    status = 'completed'
    AND ordered_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ)
  GROUP BY
    customer_id
), latest_answer AS (
  SELECT
    customer_id,
    nps
  FROM (
    SELECT
      customer_id,
      nps,
      ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY answered_at DESC, response_id DESC) AS k
    FROM survey_responses
    WHERE
      NOT nps IS NULL
      AND answered_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
      AND answered_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ)
  ) AS ranked
  WHERE
    k = 1
), csat AS (
  SELECT
    customer_id,
    COUNT(csat) AS answers,
    COUNT(CASE WHEN csat >= 4 THEN 1 END) AS satisfied
  FROM survey_responses
  WHERE
    answered_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
    AND answered_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ)
  GROUP BY
    customer_id
), per_customer AS (
  SELECT
    c.customer_id,
    COALESCE(s.segment, 'not scored') AS segment,
    COALESCE(l.channel, 'none') AS channel,
    COALESCE(NULLIF(UPPER(TRIM(c.country)), ''), 'unknown') AS country,
    a.nps,
    COALESCE(q.answers, 0) AS csat_answers,
    COALESCE(q.satisfied, 0) AS satisfied,
    s.churn_risk,
    s.clv,
    NOT s.customer_id IS NULL AS scored
  FROM customers AS c
  LEFT JOIN (
    SELECT
      customer_id,
      segment,
      churn_risk,
      clv
    FROM customer_scores
  ) AS s
    USING (customer_id)
  LEFT JOIN last_channel AS l
    USING (customer_id)
  LEFT JOIN latest_answer AS a
    USING (customer_id)
  LEFT JOIN csat AS q
    USING (customer_id)
)
SELECT
  CASE
    WHEN GROUPING(segment) = 0
    THEN 'segment'
    WHEN GROUPING(channel) = 0
    THEN 'channel'
    ELSE 'country'
  END AS grouping,
  COALESCE(segment, channel, country) AS grp,
  COUNT(*) AS customers,
  COUNT(CASE WHEN nps >= 9 THEN 1 END) AS promoters,
  COUNT(CASE WHEN nps BETWEEN 7 AND 8 THEN 1 END) AS passives,
  COUNT(CASE WHEN nps <= 6 THEN 1 END) AS detractors,
  SUM(csat_answers) AS csat_answers,
  SUM(satisfied) AS csat_satisfied,
  COUNT(CASE WHEN churn_risk = 'high' THEN 1 END) AS high_risk,
  COUNT(CASE WHEN scored THEN 1 END) AS scored,
  SUM(CASE WHEN churn_risk = 'high' THEN clv END) AS clv_at_high_risk
FROM per_customer
GROUP BY
  GROUPING SETS (
    (
      segment
    ),
    (
      channel
    ),
    (
      country
    )
  )
ORDER BY
  grouping NULLS LAST,
  customers DESC,
  grp NULLS LAST
