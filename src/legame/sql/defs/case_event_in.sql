-- A case whose answer or ticket (event_at) is in the period [$1, $2), as the other
-- surfaces' periods are of the data (the case itself opens at the sync, which may come days
-- later): the bound bounds of the case reads that take no other bound value (cases/counts,
-- cases/timings, cases/effect); each is off when NULL.
($1::TIMESTAMP IS NULL OR event_at >= $1)
AND ($2::TIMESTAMP IS NULL OR event_at < $2)
