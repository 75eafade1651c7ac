-- When a customer's first purchase occasion starts, from first_order_at: with $merge_day
-- (the orders of one UTC day are one occasion) the start of that order's day, otherwise
-- the order's own time.
CASE WHEN $merge_day THEN DATE_TRUNC('day', first_order_at) ELSE first_order_at END
