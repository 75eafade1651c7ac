-- governor/audience_own_quiet: the own quiet hours of the customers of a planned audience
-- (the registered _gov_audience), with their time zones ('' for none): every distinct
-- (zone, start, end) any of their saved preferences holds. The governor computes, in
-- Python, whether each is quiet at the plan's instant, as check does.
SELECT DISTINCT coalesce(c.time_zone, '') AS zone_key, p.quiet_start, p.quiet_end
FROM contact_preferences p
LEFT JOIN customers c USING (customer_id)
WHERE p.customer_id IN (SELECT customer_id FROM _gov_audience)
  AND p.quiet_start IS NOT NULL
  AND p.quiet_end IS NOT NULL
