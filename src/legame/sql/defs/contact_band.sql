-- The contact-pressure band of prior_messages (metrics.definitions.CONTACT_BANDS): 0 low
-- (< $mid_from), 1 mid, 2 high (>= $high_from).
CASE WHEN prior_messages >= $high_from THEN 2
     WHEN prior_messages >= $mid_from THEN 1
     ELSE 0 END
