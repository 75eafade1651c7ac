-- Covariates, time-varying, at the cutoff: the contact pressure each summary customer (in
-- customer_id order) is under at $as_of, as covariates/contact_pressure takes it at a
-- purchase: the messages (any channel, any kind) received in the $window_days days up to
-- it, as a band of defs/contact_band (0 low, 1 mid, 2 high). `score --covariates` holds it
-- over the forecast.
SELECT {{ contact_band }} AS value
FROM (
    SELECT s.customer_id, COUNT(m.sent_at) AS prior_messages
    FROM _summary s
    LEFT JOIN messages m
        ON m.customer_id = s.customer_id
        AND m.sent_at < $as_of
        AND m.sent_at >= $as_of - INTERVAL $window_days DAY
    GROUP BY s.customer_id
) counted
ORDER BY customer_id
