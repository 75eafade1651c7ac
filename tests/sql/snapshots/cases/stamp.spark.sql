/* cases/stamp: what the cases are now, in values that change with every change of a case */
/* (each one adds 1 to its version and an event to its history) and with every case opened */
/* or erased; a result about the cases is kept while they stay the same (views/cases.py). */
SELECT
  (
    SELECT
      COUNT(*)
    FROM cases
  ) AS cases,
  (
    SELECT
      COALESCE(SUM(version), 0)
    FROM cases
  ) AS versions,
  (
    SELECT
      COUNT(*)
    FROM case_events
  ) AS events,
  (
    SELECT
      MAX(updated_at)
    FROM cases
  ) AS updated
