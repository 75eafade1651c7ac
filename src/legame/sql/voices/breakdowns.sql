-- The overview's breakdowns, all three in one pass over the customers: NPS, CSAT and churn
-- per RFM segment, per purchase channel (the channel of each customer's latest completed
-- order before the period's end; 'none' without one) and per country. Per group: the
-- customers; each one's latest NPS answer in the period [$start, $end) as promoter, passive
-- or detractor; the CSAT answers of the period and how many were 4 or 5; how many scored
-- customers are at high churn risk now, and the CLV they hold.
WITH last_channel AS (
    SELECT customer_id, arg_max(channel, ordered_at) AS channel
    FROM orders
    WHERE status = 'completed' AND ordered_at < $end
    GROUP BY customer_id
),
latest_answer AS (
    SELECT customer_id, nps FROM (
        SELECT customer_id, nps,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY {{ newest_answer_first }}) AS k
        FROM survey_responses
        WHERE nps IS NOT NULL AND answered_at >= $start AND answered_at < $end) ranked
    WHERE k = 1
),
csat AS (
    SELECT customer_id, count(csat) AS answers, count(CASE WHEN csat >= 4 THEN 1 END) AS satisfied
    FROM survey_responses
    WHERE answered_at >= $start AND answered_at < $end
    GROUP BY customer_id
),
per_customer AS (
    SELECT c.customer_id,
           COALESCE(s.segment, 'not scored') AS segment,
           COALESCE(l.channel, 'none') AS channel,
           COALESCE(NULLIF(upper(trim(c.country)), ''), 'unknown') AS country,
           a.nps, COALESCE(q.answers, 0) AS csat_answers, COALESCE(q.satisfied, 0) AS satisfied,
           s.churn_risk, s.clv, s.customer_id IS NOT NULL AS scored
    FROM customers c
    LEFT JOIN (SELECT customer_id, segment, churn_risk, clv FROM customer_scores) s
        USING (customer_id)
    LEFT JOIN last_channel l USING (customer_id)
    LEFT JOIN latest_answer a USING (customer_id)
    LEFT JOIN csat q USING (customer_id)
)
SELECT
    CASE WHEN GROUPING(segment) = 0 THEN 'segment'
         WHEN GROUPING(channel) = 0 THEN 'channel' ELSE 'country' END AS grouping,
    COALESCE(segment, channel, country) AS grp,
    count(*) AS customers,
    count(CASE WHEN nps >= 9 THEN 1 END) AS promoters,
    count(CASE WHEN nps BETWEEN 7 AND 8 THEN 1 END) AS passives,
    count(CASE WHEN nps <= 6 THEN 1 END) AS detractors,
    sum(csat_answers) AS csat_answers,
    sum(satisfied) AS csat_satisfied,
    count(CASE WHEN churn_risk = 'high' THEN 1 END) AS high_risk,
    count(CASE WHEN scored THEN 1 END) AS scored,
    sum(CASE WHEN churn_risk = 'high' THEN clv END) AS clv_at_high_risk
FROM per_customer
GROUP BY GROUPING SETS ((segment), (channel), (country))
ORDER BY grouping, customers DESC, grp
