-- A ticket's first response was slow, as known at $as_of: none before as_of although the
-- ticket is older than $response_hours hours, or it came more than $response_hours hours
-- after the ticket opened. A response recorded at or after as_of is not known yet.
(
    (first_response_at IS NULL OR first_response_at >= $as_of)
        AND opened_at < $as_of - INTERVAL $response_hours HOUR
    OR first_response_at < $as_of
        AND first_response_at > opened_at + INTERVAL $response_hours HOUR
)
