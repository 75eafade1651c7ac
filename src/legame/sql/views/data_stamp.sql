-- What the store's data is, in three values that change whenever the data the overview
-- reads does: the latest import batch, the number of erasures, and the definition of
-- customer_scores (each `legame score` writes it anew, with its fitted parameters).
SELECT
    (SELECT max(batch_id) FROM batches) AS batch,
    (SELECT count(*) FROM audit_log WHERE action = 'forget') AS erasures,
    (SELECT max(sql) FROM duckdb_views() WHERE view_name = 'customer_scores') AS scores
