-- preferences/store/current: the customer's current choice, their latest saved form
-- (bound: $1 the customer; of two saved at the same instant, the later written wins).
SELECT channels, max_per_week, max_per_month, quiet_start, quiet_end, paused_until, stopped,
       "at", source
FROM contact_preferences
WHERE customer_id = $1
ORDER BY "at" DESC, rowid DESC
LIMIT 1
