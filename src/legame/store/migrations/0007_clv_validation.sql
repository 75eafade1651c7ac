-- 0007: the latest forecast validation (`legame clv validate`), as JSON, so the dashboard
-- and the report show it without refitting.
CREATE TABLE clv_validation (
    computed_at TIMESTAMP NOT NULL,
    payload JSON NOT NULL
);
