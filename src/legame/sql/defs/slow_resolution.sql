-- A ticket's resolution was slow, as known at $as_of: not resolved before as_of although
-- the ticket is older than $resolution_days days, or resolved more than $resolution_days
-- days after it opened. A resolution recorded at or after as_of is not known yet.
(
    (resolved_at IS NULL OR resolved_at >= $as_of)
        AND opened_at < $as_of - INTERVAL $resolution_days DAY
    OR resolved_at < $as_of
        AND resolved_at > opened_at + INTERVAL $resolution_days DAY
)
