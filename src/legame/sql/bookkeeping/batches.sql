-- bookkeeping/batches: every import batch (one per file ingested or send logged) in order.
SELECT batch_id, table_name, source_file, finished_at, rows_read, inserted, updated,
       duplicates, rejected
FROM batches
ORDER BY batch_id
