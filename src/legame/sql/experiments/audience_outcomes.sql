-- experiments/audience_outcomes: the customers a test could reach at $start (a completed
-- order or a message in the 365 days before it) and, per customer, what happened in the
-- window [$start, $end): repurchase (a completed order), revenue of completed orders, an
-- unsubscribe or a complaint on any channel, the latest NPS answer; with the covariates
-- of the $pre_days days before $start. The base rates and spreads a test is planned on.
WITH active AS (
    SELECT customer_id FROM orders
    WHERE status = 'completed' AND ordered_at < $start
      AND ordered_at >= $start - INTERVAL 365 DAY
    UNION
    SELECT customer_id FROM messages
    WHERE sent_at < $start AND sent_at >= $start - INTERVAL 365 DAY
),
bought AS (
    SELECT o.customer_id,
           SUM(CASE WHEN o.ordered_at >= $start THEN 1 ELSE 0 END) AS orders_in,
           SUM(CASE WHEN o.ordered_at >= $start THEN CAST(o.amount AS DOUBLE) ELSE 0.0 END)
               AS revenue_in,
           SUM(CASE WHEN o.ordered_at < $start THEN 1 ELSE 0 END) AS pre_orders,
           SUM(CASE WHEN o.ordered_at < $start THEN CAST(o.amount AS DOUBLE) ELSE 0.0 END)
               AS pre_revenue
    FROM orders o
    WHERE o.status = 'completed' AND o.ordered_at < $end
      AND o.ordered_at >= $start - INTERVAL $pre_days DAY
    GROUP BY o.customer_id
),
reacted AS (
    SELECT customer_id,
           MAX(CASE WHEN unsubscribed_at >= $start AND unsubscribed_at < $end
                    THEN 1 ELSE 0 END) AS unsubscribed,
           MAX(CASE WHEN complained_at >= $start AND complained_at < $end
                    THEN 1 ELSE 0 END) AS complained
    FROM messages
    WHERE (unsubscribed_at >= $start AND unsubscribed_at < $end)
       OR (complained_at >= $start AND complained_at < $end)
    GROUP BY customer_id
),
answered AS (
    SELECT customer_id, nps FROM (
        SELECT customer_id, nps,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY {{ newest_answer_first }}) AS k
        FROM survey_responses
        WHERE nps IS NOT NULL AND answered_at >= $start AND answered_at < $end) ranked
    WHERE k = 1
)
SELECT a.customer_id,
       CASE WHEN COALESCE(b.orders_in, 0) > 0 THEN 1 ELSE 0 END AS repurchased,
       COALESCE(b.revenue_in, 0.0) AS revenue,
       COALESCE(r.unsubscribed, 0) AS unsubscribed,
       COALESCE(r.complained, 0) AS complained,
       n.nps,
       CAST(COALESCE(b.pre_orders, 0) AS BIGINT) AS pre_orders,
       COALESCE(b.pre_revenue, 0.0) AS pre_revenue
FROM active a
LEFT JOIN bought b ON b.customer_id = a.customer_id
LEFT JOIN reacted r ON r.customer_id = a.customer_id
LEFT JOIN answered n ON n.customer_id = a.customer_id
ORDER BY a.customer_id
