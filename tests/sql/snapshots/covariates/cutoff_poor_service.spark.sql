/* Covariates, time-varying, at the cutoff: whether each summary customer (in customer_id */
/* order) has had a poor support experience by TIMESTAMP '2026-01-01 00:00:00', as covariates/poor_service counts one */
/* at a purchase: a ticket poor by defs/poor_ticket as known at as_of, opened at or after */
/* the customer's first purchase and before as_of (1 or 0). `score --covariates` holds it */
/* over the forecast. */
WITH tk AS (
  SELECT
    customer_id,
    opened_at,
    CASE
      WHEN first_response_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
      THEN first_response_at
    END AS first_response_at,
    CASE
      WHEN resolved_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
      THEN resolved_at
    END AS resolved_at,
    csat
  FROM tickets
  WHERE
    opened_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
), poor AS (
  SELECT DISTINCT
    tk.customer_id
  FROM tk
  JOIN _summary AS s
    ON s.customer_id = tk.customer_id AND tk.opened_at >= s.first_order_at
  WHERE
    COALESCE(
      (
        (
          first_response_at IS NULL
          OR first_response_at >= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
        )
        AND opened_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '48' HOUR
        OR first_response_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
        AND first_response_at > opened_at + INTERVAL '48' HOUR
      )
      OR (
        (
          resolved_at IS NULL
          OR resolved_at >= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
        )
        AND opened_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '7' DAY
        OR resolved_at < CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ)
        AND resolved_at > opened_at + INTERVAL '7' DAY
      )
      OR csat <= 2,
      FALSE
    )
)
SELECT
  CASE WHEN p.customer_id IS NULL THEN 0 ELSE 1 END AS value
FROM _summary AS s
LEFT JOIN poor AS p
  ON p.customer_id = s.customer_id
ORDER BY
  s.customer_id NULLS LAST
