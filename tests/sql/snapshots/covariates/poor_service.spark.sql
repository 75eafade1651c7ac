/* Covariates, time-varying: at each repeat purchase (occasion j >= 1 of */
/* defs/purchase_occasions), whether the customer has had a poor support experience that */
/* belongs to it or to an earlier purchase (1 or 0), in customer_id, j order. A ticket is */
/* poor by defs/poor_ticket as known at TIMESTAMP '2026-01-01 00:00:00' (the findings' rule); it belongs to the */
/* latest purchase at or before it opened, so it counts from that purchase on, i.e. when it */
/* opened after the customer's first purchase and before the next purchase (for the last */
/* purchase: before as_of). */
WITH occ AS (
  SELECT
    customer_id,
    first_at,
    last_at,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY first_at NULLS LAST) - 1 AS j,
    LEAD(first_at) OVER (PARTITION BY customer_id ORDER BY first_at NULLS LAST) AS next_at
  FROM (
    SELECT
      customer_id,
      MIN(ordered_at) AS first_at,
      MAX(ordered_at) AS last_at
    FROM orders
    WHERE
      status = 'completed'
      AND ordered_at < CAST('2025-12-31 00:00:00' AS TIMESTAMP_NTZ) + INTERVAL '1' DAY
    GROUP BY
      customer_id,
      CASE WHEN TRUE THEN CAST(ordered_at AS DATE) ELSE ordered_at END
  ) AS occasions
), tk AS (
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
), first_poor AS (
  SELECT
    tk.customer_id,
    MIN(tk.opened_at) AS poor_at
  FROM tk
  JOIN occ
    ON occ.customer_id = tk.customer_id AND occ.j = 0 AND tk.opened_at >= occ.first_at
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
  GROUP BY
    tk.customer_id
)
SELECT
  CASE
    WHEN p.poor_at < COALESCE(o.next_at, CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ))
    THEN 1
    ELSE 0
  END AS value
FROM occ AS o
LEFT JOIN first_poor AS p
  ON p.customer_id = o.customer_id
WHERE
  o.j >= 1
ORDER BY
  o.customer_id NULLS LAST,
  o.j NULLS LAST
