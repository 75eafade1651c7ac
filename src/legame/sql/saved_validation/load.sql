-- saved_validation/load: the stored validation, with when it was computed.
SELECT payload, computed_at FROM clv_validation ORDER BY computed_at DESC LIMIT 1
