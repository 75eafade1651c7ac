-- 0004: the latest findings (tested claims), as computed by `legame findings` or the demo,
-- so the dashboard, the API and the report show them without recomputing.
CREATE TABLE findings (
    position INTEGER NOT NULL,
    id VARCHAR PRIMARY KEY,
    computed_at TIMESTAMP NOT NULL,
    verdict VARCHAR NOT NULL,
    payload JSON NOT NULL
);
