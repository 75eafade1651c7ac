-- When a customer's last purchase occasion starts, from last_order_at: as first_occasion.
CASE WHEN $merge_day THEN DATE_TRUNC('day', last_order_at) ELSE last_order_at END
