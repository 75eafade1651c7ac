-- cases/stamp: what the cases are now, in values that change with every change of a case
-- (each one adds 1 to its version and an event to its history) and with every case opened
-- or erased; a result about the cases is kept while they stay the same (views/cases.py).
SELECT
    (SELECT count(*) FROM cases) AS cases,
    (SELECT coalesce(sum(version), 0) FROM cases) AS versions,
    (SELECT count(*) FROM case_events) AS events,
    (SELECT max(updated_at) FROM cases) AS updated
