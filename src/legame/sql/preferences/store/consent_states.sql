-- preferences/store/consent_states: the customer's latest consent event per channel at or
-- before an instant (bound: $1 the customer, $2 the instant; of two events at the same
-- instant, a withdrawal wins, as the governor reads them).
SELECT channel, arg_max(status, ("at", status = 'withdrawn')) AS status
FROM consents
WHERE customer_id = $1 AND "at" <= $2
GROUP BY channel
