/* Findings: word of mouth. One row per customer with a survey answer before as_of: the */
/* first answer's time and NPS (NULL when skipped) and the referrals the customer made from */
/* that answer up to as_of (referrals.referrer_id). */
WITH first_answer AS (
  SELECT
    customer_id,
    answered_at,
    nps
  FROM (
    SELECT
      customer_id,
      answered_at,
      nps,
      ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY answered_at NULLS LAST, response_id NULLS LAST) AS k
    FROM survey_responses
    WHERE
      answered_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
  ) AS ranked
  WHERE
    k = 1
), made AS (
  SELECT
    f.customer_id,
    COUNT(*) AS referrals
  FROM first_answer AS f
  JOIN referrals AS r
    ON r.referrer_id = f.customer_id
    AND r.referred_at >= f.answered_at
    AND r.referred_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
  GROUP BY
    f.customer_id
)
SELECT
  f.customer_id,
  f.answered_at,
  f.nps,
  COALESCE(m.referrals, 0) AS referrals
FROM first_answer AS f
LEFT JOIN made AS m
  ON m.customer_id = f.customer_id
ORDER BY
  f.customer_id NULLS LAST
