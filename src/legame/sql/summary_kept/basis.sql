-- summary_kept/basis: the one row stored beside customer_value (as customer_value_basis)
-- that says whether the next score may keep its rows (summary_kept/customer_value): the
-- cutoff, the last import batch its orders come from, and whether it is reusable: only for a
-- DuckDB score without covariates, one occasion per day, with no completed order dated
-- after the until day (then the summary holds every completed order of the workspace).
SELECT
    $basis_until AS until,
    CAST($basis_batch AS BIGINT) AS orders_batch,
    $basis_reusable AS reusable
