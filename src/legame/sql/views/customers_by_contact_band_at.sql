-- The engagement page's customers per band of contact pressure as of $as_of (a period's
-- end): the band (defs/contact_band) of each scored customer's messages in the
-- $window_days days before as_of, what customer_scores' sends_30d counts at the score's
-- cutoff (views/customers_by_contact_band).
WITH sent AS (
    SELECT customer_id, count(*) AS messages
    FROM messages
    WHERE sent_at >= $as_of - INTERVAL $window_days DAY AND sent_at < $as_of
    GROUP BY customer_id
),
counts AS (
    SELECT COALESCE(m.messages, 0) AS prior_messages
    FROM customer_scores s
    LEFT JOIN sent m ON m.customer_id = s.customer_id
)
SELECT {{ contact_band }} AS band, count(*) AS customers
FROM counts
GROUP BY 1
ORDER BY 1
