-- preferences/store/insert_consent: a consent event a saved form made (bound: $1 customer,
-- $2 channel, $3 'granted' or 'withdrawn', $4 at, $5 batch, $6 source).
INSERT INTO consents (customer_id, channel, status, "at", _batch_id, _source_file)
VALUES ($1, $2, $3, $4, $5, $6)
