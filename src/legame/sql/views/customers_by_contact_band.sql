-- The engagement page's customers per band of contact pressure: the band (defs/contact_band)
-- of each customer's messages in the 30 days before the score's cutoff (sends_30d).
WITH counts AS (
    SELECT sends_30d AS prior_messages FROM customer_scores
)
SELECT {{ contact_band }} AS band, count(*) AS customers
FROM counts
GROUP BY 1
ORDER BY 1
