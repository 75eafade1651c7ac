/* Counts of the period [TIMESTAMP '2025-10-03 00:00:00', TIMESTAMP '2025-12-31 00:00:00') and of the one before it, [TIMESTAMP '2025-07-05 00:00:00', TIMESTAMP '2025-10-03 00:00:00'): */
/* completed orders and their revenue, survey answers and tickets. */
/* revenue_sq (the sum of squared amounts) is what the revenue change's interval needs. */
WITH orders_in AS (
  SELECT
    CASE
      WHEN ordered_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
      THEN 'current'
      ELSE 'previous'
    END AS period,
    amount
  FROM orders
  WHERE
    status = 'completed'
    AND ordered_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ)
    AND ordered_at >= COALESCE(
      CAST('2025-07-05 00:00:00' AS TIMESTAMP_NTZ),
      CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
    )
), bought AS (
  SELECT
    period,
    COUNT(*) AS orders,
    SUM(amount) AS revenue,
    SUM(amount * amount) AS revenue_sq
  FROM orders_in
  GROUP BY
    period
), answered AS (
  SELECT
    CASE
      WHEN answered_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
      THEN 'current'
      ELSE 'previous'
    END AS period,
    COUNT(*) AS answers
  FROM survey_responses
  WHERE
    answered_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ)
    AND answered_at >= COALESCE(
      CAST('2025-07-05 00:00:00' AS TIMESTAMP_NTZ),
      CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
    )
  GROUP BY
    1
), opened AS (
  SELECT
    CASE
      WHEN opened_at >= CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
      THEN 'current'
      ELSE 'previous'
    END AS period,
    COUNT(*) AS tickets
  FROM tickets
  WHERE
    opened_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ)
    AND opened_at >= COALESCE(
      CAST('2025-07-05 00:00:00' AS TIMESTAMP_NTZ),
      CAST('2025-10-03 00:00:00' AS TIMESTAMP_NTZ)
    )
  GROUP BY
    1
), periods AS (
  SELECT
    'current' AS period
  UNION ALL
  SELECT
    'previous'
)
SELECT
  p.period,
  COALESCE(b.orders, 0) AS orders,
  COALESCE(b.revenue, 0) AS revenue,
  COALESCE(b.revenue_sq, 0) AS revenue_sq,
  COALESCE(a.answers, 0) AS answers,
  COALESCE(o.tickets, 0) AS tickets
FROM periods AS p
LEFT JOIN bought AS b
  USING (period)
LEFT JOIN answered AS a
  USING (period)
LEFT JOIN opened AS o
  USING (period)
ORDER BY
  p.period NULLS LAST
