-- bookkeeping/rejects: rejected fields in the order of their batch, line and field, at most
-- $2 of them. Bound: $1 only this batch (NULL: every batch), $2 how many.
SELECT batch_id, table_name AS "table", source_file AS file, line, field, raw_value AS value,
       reason
FROM rejects
WHERE $1::BIGINT IS NULL OR batch_id = $1
ORDER BY batch_id, line, field
LIMIT $2
