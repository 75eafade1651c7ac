-- 0008: cases (`legame cases`, /api/v1/cases): every detractor answer and every poor
-- service experience opens one case, once (source_key: 'survey:<response_id>' or
-- 'ticket:<ticket_id>'), with an owner, a due date, a status and a history.
-- Both tables hold a customer_id, so `legame forget` deletes a customer's cases and their
-- history with the rest of the customer's rows (store/erasure.py finds every table that has
-- the column). docs/cases.md describes every column.
CREATE SEQUENCE case_seq START 1;
CREATE TABLE cases (
    case_id BIGINT PRIMARY KEY,
    kind VARCHAR NOT NULL,              -- 'detractor' | 'poor_service'
    source_key VARCHAR NOT NULL UNIQUE, -- what opened it: 'survey:ID' | 'ticket:ID'
    customer_id VARCHAR NOT NULL,
    event_at TIMESTAMP NOT NULL,        -- the answer, or the ticket's opening
    opened_at TIMESTAMP NOT NULL,       -- when legame opened the case (the sync's instant)
    due_at TIMESTAMP NOT NULL,          -- first contact due: opened_at + the kind's SLA
    owner VARCHAR,                      -- a free name; NULL: unassigned
    status VARCHAR NOT NULL,            -- 'new' | 'contacted' | 'resolved' | 'no-answer'
    arm VARCHAR,                        -- detractor_callback's arm: 'treatment' | 'holdout'
    clv_at_open DOUBLE,
    churn_risk_at_open VARCHAR,
    nps INTEGER,                        -- the detractor's answer
    comment VARCHAR,                    -- the survey comment
    detail VARCHAR,                     -- what made it a case, in words
    first_contact_at TIMESTAMP,
    closed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL            -- +1 on every change: updates name the one they saw
);

-- Every change of a case: who, when, what (status and owner before and after), and notes.
CREATE TABLE case_events (
    case_id BIGINT NOT NULL,
    customer_id VARCHAR NOT NULL,
    "at" TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,            -- opened | assigned | contacted | closed | note
    status_before VARCHAR,
    status_after VARCHAR,
    owner_before VARCHAR,
    owner_after VARCHAR,
    note VARCHAR,
    version INTEGER NOT NULL            -- the case's version after this change
);
