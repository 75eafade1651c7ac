-- A case is overdue at $as_of when nobody has contacted the customer by its due date: still
-- 'new' after due_at. A case in the randomized holdout of detractor_callback is never
-- called, so it is never overdue.
(status = 'new' AND due_at < $as_of AND arm IS DISTINCT FROM 'holdout')
