-- The kept copy: the values the list sorts by, in position order, each with whether it is
-- missing (NULLs go last either way) or not a number (NaN is above every number, as the
-- store sorts it); the moment of the last order as microseconds since the epoch.
SELECT
    clv IS NULL AS clv_null, isnan(coalesce(clv, 0)) AS clv_nan, coalesce(clv, 0) AS clv,
    revenue IS NULL AS revenue_null, isnan(coalesce(revenue, 0)) AS revenue_nan,
    coalesce(revenue, 0) AS revenue,
    p_alive IS NULL AS p_alive_null, isnan(coalesce(p_alive, 0)) AS p_alive_nan,
    coalesce(p_alive, 0) AS p_alive,
    last_order_at IS NULL AS last_order_at_null, false AS last_order_at_nan,
    coalesce(epoch_us(last_order_at), 0) AS last_order_at
FROM listed
ORDER BY pos
