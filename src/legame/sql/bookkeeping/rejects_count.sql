-- bookkeeping/rejects_count: how many fields were rejected. Bound: $1 only this batch
-- (NULL: every batch).
SELECT count(*) AS rejects FROM rejects WHERE $1::BIGINT IS NULL OR batch_id = $1
