-- preferences/store/log_batch: the import batch of the consent events of one saved form
-- (bound: $1 batch, $2 source, $3 its options as JSON, $4 when, $5 events written).
INSERT INTO batches VALUES ($1, 'consents', $2, NULL, NULL, $3, $4, $4, $5, $5, 0, 0, 0, 0)
