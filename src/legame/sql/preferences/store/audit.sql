-- preferences/store/audit: one audited action, without personal data (bound: $1 when,
-- $2 the action, $3 its detail as JSON).
INSERT INTO audit_log VALUES ($1, $2, $3)
