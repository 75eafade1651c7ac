/* The overview's segments: customers, revenue, CLV, mean P(alive), promoters and detractors */
/* per RFM segment, the most valuable first. */
SELECT
  segment,
  COUNT(*) AS customers,
  SUM(revenue) AS revenue,
  SUM(clv) AS clv,
  AVG(p_alive) AS mean_p_alive,
  COUNT(CASE WHEN nps_category = 'promoter' THEN 1 END) AS promoters,
  COUNT(CASE WHEN nps_category = 'detractor' THEN 1 END) AS detractors
FROM customer_scores
GROUP BY
  segment
ORDER BY
  clv DESC
