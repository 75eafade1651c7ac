-- cases/update: change one case if it is still at the version the change was computed from
-- (bound: $1 case id, $2 owner, $3 status, $4 first contact, $5 closed, $6 updated at,
-- $7 the version seen). Returns the new version (no row: someone changed it first).
UPDATE cases
SET owner = $2, status = $3, first_contact_at = $4, closed_at = $5, updated_at = $6,
    version = version + 1
WHERE case_id = $1 AND version = $7
RETURNING version
