-- governor/audience_zones: the time zones of the customers of a planned audience (the
-- registered _gov_audience), '' for none.
SELECT DISTINCT coalesce(c.time_zone, '') AS zone_key
FROM customers c
WHERE c.customer_id IN (SELECT customer_id FROM _gov_audience)
