-- The overview's segments: customers, revenue, CLV, mean P(alive), promoters and detractors
-- per RFM segment, the most valuable first.
SELECT segment, count(*) AS customers, sum(revenue) AS revenue, sum(clv) AS clv,
       avg(p_alive) AS mean_p_alive,
       count(CASE WHEN nps_category = 'promoter' THEN 1 END) AS promoters,
       count(CASE WHEN nps_category = 'detractor' THEN 1 END) AS detractors
FROM customer_scores
GROUP BY segment
ORDER BY clv DESC NULLS LAST
