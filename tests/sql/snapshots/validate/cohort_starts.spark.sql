/* validate/cohort_starts: the calibration cohort (the customers in _summary) by the day of */
/* their first purchase: where each customer's clock starts in the tracking curves. */
SELECT
  CAST(first_order_at AS DATE) AS first_day,
  COUNT(*) AS customers
FROM _summary
GROUP BY
  CAST(first_order_at AS DATE)
