-- cases/insert: open the cases of the registered table _cases_new (one row per source, in
-- the order to number them), each with the next case id, at version 1; a source that has
-- a case already is left alone. Returns the new cases' ids and kinds.
INSERT INTO cases (case_id, kind, source_key, customer_id, event_at, opened_at, due_at,
                   owner, status, arm, clv_at_open, churn_risk_at_open, nps, comment, detail,
                   ticket_category, slow_response_hours, slow_resolution_days, low_csat,
                   first_contact_at, closed_at, updated_at, version)
SELECT nextval('case_seq'), kind, source_key, customer_id, event_at, opened_at, due_at,
       NULL, 'new', arm, clv_at_open, churn_risk_at_open, nps, comment, detail,
       ticket_category, slow_response_hours, slow_resolution_days, low_csat,
       NULL, NULL, opened_at, 1
FROM (
    SELECT * FROM _cases_new
    WHERE source_key NOT IN (SELECT source_key FROM cases)
    ORDER BY position
) ordered
RETURNING case_id, kind
