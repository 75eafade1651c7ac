-- governor/log_batch: the import batch of one logged send (bound: $1 batch, $2 source,
-- $3 its options as JSON, $4 inserted, $5 duplicates, $6 implicit customers created).
INSERT INTO batches VALUES ($1, 'messages', $2, NULL, NULL, $3, now()::TIMESTAMP,
                            now()::TIMESTAMP, 1, $4, 0, $5, 0, $6)
