/* The overview's CLV histogram: 20 bins of equal width from 0 to the 99th percentile of */
/* CLV, the last one open-ended; none when that percentile is not above 0. */
WITH bin AS (
  SELECT
    PERCENTILE_CONT(clv, 0.99) / 20 AS width
  FROM customer_scores
)
SELECT
  LEAST(FLOOR(s.clv / b.width), 20 - 1) * b.width AS clv_from,
  (
    LEAST(FLOOR(s.clv / b.width), 20 - 1) + 1
  ) * b.width AS clv_to,
  COUNT(*) AS customers
FROM customer_scores AS s
CROSS JOIN bin AS b
WHERE
  NOT s.clv IS NULL AND b.width > 0
GROUP BY
  1,
  2
ORDER BY
  1 NULLS LAST
