-- The RFM segment of a customer from their recency and frequency quintile scores, r_score
-- and f_score (1 to 5; NULL for a customer without purchases).
CASE
    WHEN r_score IS NULL THEN 'no purchases'
    WHEN r_score >= 4 AND f_score >= 4 THEN 'champions'
    WHEN f_score >= 4 AND r_score >= 3 THEN 'loyal'
    WHEN r_score >= 4 AND f_score >= 2 THEN 'potential loyalists'
    WHEN r_score >= 4 THEN 'new'
    WHEN r_score <= 2 AND f_score >= 3 THEN 'at risk'
    WHEN r_score <= 2 THEN 'hibernating'
    ELSE 'need attention'
END
