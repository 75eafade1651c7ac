-- preferences/store/insert_choice: one saved form (bound: $1 customer, $2 at, $3 channels,
-- $4 max per week, $5 max per month, $6 quiet start, $7 quiet end, $8 paused until,
-- $9 stopped, $10 source, $11 link id).
INSERT INTO contact_preferences (customer_id, "at", channels, max_per_week, max_per_month,
                                 quiet_start, quiet_end, paused_until, stopped, source,
                                 link_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
