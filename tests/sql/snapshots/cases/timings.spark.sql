/* cases/timings: how fast the cases are handled, per kind and (kind NULL) overall, leaving */
/* out the cases in the randomized holdout (never called): cases, those contacted and how */
/* many of them by the due date, the median and 90th percentile of the hours from opening */
/* to the first contact; the cases resolved and the same of the hours to resolution; the */
/* cases closed without an answer. Only the cases opened in the period [$1, $2) */
/* (defs/case_event_in: bound, off when NULL). */
SELECT
  kind,
  COUNT(*) AS cases,
  COUNT(first_contact_at) AS contacted,
  COUNT(*) FILTER(WHERE
    first_contact_at <= due_at) AS contacted_by_due,
  PERCENTILE_CONT(DATEDIFF(SECOND, opened_at, first_contact_at) / 3600.0, 0.5) AS first_contact_median_hours,
  PERCENTILE_CONT(DATEDIFF(SECOND, opened_at, first_contact_at) / 3600.0, 0.9) AS first_contact_p90_hours,
  COUNT(*) FILTER(WHERE
    status = 'resolved') AS resolved,
  PERCENTILE_CONT(
    CASE
      WHEN status = 'resolved'
      THEN DATEDIFF(SECOND, opened_at, closed_at) / 3600.0
    END,
    0.5
  ) AS resolution_median_hours,
  PERCENTILE_CONT(
    CASE
      WHEN status = 'resolved'
      THEN DATEDIFF(SECOND, opened_at, closed_at) / 3600.0
    END,
    0.9
  ) AS resolution_p90_hours,
  COUNT(*) FILTER(WHERE
    status = 'no-answer') AS no_answer
FROM cases
WHERE
  arm IS DISTINCT FROM 'holdout'
  AND (
    CAST(:1 AS TIMESTAMP_NTZ) IS NULL OR event_at >= :1
  )
  AND (
    CAST(:2 AS TIMESTAMP_NTZ) IS NULL OR event_at < :2
  )
GROUP BY
  ROLLUP (
    kind
  )
ORDER BY
  kind
