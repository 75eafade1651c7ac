-- recency: from the first purchase occasion to the last, in units of $unit_days days.
CAST(DATE_DIFF('second', {{ first_occasion }}, {{ last_occasion }}) AS DOUBLE) / 86400 / $unit_days
