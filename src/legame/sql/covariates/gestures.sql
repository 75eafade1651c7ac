-- Covariates, time-varying: at each repeat purchase (occasion j >= 1 of
-- defs/purchase_occasions), how many gestures of gratitude the customer had received at
-- or before it (given before $as_of; holdout-arm gestures were withheld, so not
-- received), in customer_id, j order.
WITH occ AS (
    {{ purchase_occasions }}
),
given AS (
    SELECT customer_id, given_at
    FROM gestures
    WHERE given_at < $as_of AND COALESCE(arm, 'treatment') <> 'holdout'
)
SELECT COUNT(g.given_at) AS value
FROM occ o
LEFT JOIN given g ON g.customer_id = o.customer_id AND g.given_at <= o.last_at
WHERE o.j >= 1
GROUP BY o.customer_id, o.j
ORDER BY o.customer_id, o.j
