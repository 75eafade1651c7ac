-- cases/history: every change of one case, oldest first (bound: $1 the case id).
SELECT "at", actor, action, status_before, status_after, owner_before, owner_after, note,
       version
FROM case_events
WHERE case_id = $1
ORDER BY version, "at"
