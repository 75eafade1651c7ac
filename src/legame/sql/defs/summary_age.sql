-- T: from the first purchase occasion to $end (the start of the until day with $merge_day,
-- its end without), in units of $unit_days days.
CAST(DATE_DIFF('second', {{ first_occasion }}, $end) AS DOUBLE) / 86400 / $unit_days
