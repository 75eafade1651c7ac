-- A poor ticket, as known at $as_of (metrics.definitions.ticket_is_poor, which the
-- simulator uses, is the same rule in numpy; a test holds them equal): a slow or missing
-- first response, a slow or missing resolution, or a ticket CSAT of $poor_csat or less.
COALESCE({{ slow_response }} OR {{ slow_resolution }} OR csat <= $poor_csat, FALSE)
