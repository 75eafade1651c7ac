-- cases/one: one case (bound: $1 the case id).
SELECT * FROM cases WHERE case_id = $1
