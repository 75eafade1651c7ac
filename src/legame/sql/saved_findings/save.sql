-- saved_findings/save: store one finding (bound: $1 its position, $2 id, $3 verdict,
-- $4 the finding as JSON).
INSERT INTO findings VALUES ($1, $2, now()::TIMESTAMP, $3, $4)
