-- The filters of the case queue, on cases with their overdue flag; each is off when its
-- bound value is NULL: $1 the status, $2 the owner, $3 the kind, $4 overdue or not; $5 true
-- also lists the cases in the randomized holdout of detractor_callback (hidden otherwise:
-- they must not be called); $6 and $7 the period [from, to) of what opened the case (its
-- event_at: the answer, or the ticket's opening), as periods are of the data.
($1::VARCHAR IS NULL OR status = $1)
AND ($2::VARCHAR IS NULL OR owner = $2)
AND ($3::VARCHAR IS NULL OR kind = $3)
AND ($4::BOOLEAN IS NULL OR overdue = $4)
AND ($5::BOOLEAN OR arm IS DISTINCT FROM 'holdout')
AND ($6::TIMESTAMP IS NULL OR event_at >= $6)
AND ($7::TIMESTAMP IS NULL OR event_at < $7)
