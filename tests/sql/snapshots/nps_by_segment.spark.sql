/* NPS answer counts per RFM segment of the customer in customer_scores, of the answers in */
/* [TIMESTAMP '2025-10-03 00:00:00', TIMESTAMP '2025-12-31 00:00:00'): each customer's latest, or every answer with FALSE (defs/nps_counted). */
WITH a AS (
  SELECT
    customer_id,
    nps,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY answered_at DESC, response_id DESC) AS k
  FROM survey_responses
  WHERE
    NOT nps IS NULL
    AND answered_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
    AND answered_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ)
)
SELECT
  COALESCE(s.segment, 'not scored') AS grp,
  SUM(CASE WHEN a.nps >= 9 THEN 1 ELSE 0 END) AS promoters,
  SUM(CASE WHEN a.nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives,
  SUM(CASE WHEN a.nps <= 6 THEN 1 ELSE 0 END) AS detractors
FROM a
LEFT JOIN customer_scores AS s
  ON s.customer_id = a.customer_id
WHERE
  (
    FALSE OR a.k = 1
  )
GROUP BY
  COALESCE(s.segment, 'not scored')
ORDER BY
  grp NULLS LAST
