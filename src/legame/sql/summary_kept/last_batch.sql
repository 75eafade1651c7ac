-- summary_kept/last_batch: the last import batch (of any table; 0 before the first).
SELECT COALESCE(MAX(batch_id), 0) AS batch_id FROM batches
