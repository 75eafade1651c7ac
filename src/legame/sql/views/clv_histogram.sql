-- The overview's CLV histogram: $bins bins of equal width from 0 to the 99th percentile of
-- CLV, the last one open-ended; none when that percentile is not above 0.
WITH bin AS (
    SELECT quantile_cont(clv, 0.99) / $bins AS width FROM customer_scores
)
SELECT least(floor(s.clv / b.width), $bins - 1) * b.width AS clv_from,
       (least(floor(s.clv / b.width), $bins - 1) + 1) * b.width AS clv_to,
       count(*) AS customers
FROM customer_scores s
CROSS JOIN bin b
WHERE s.clv IS NOT NULL AND b.width > 0
GROUP BY 1, 2
ORDER BY 1
