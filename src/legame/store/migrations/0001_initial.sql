-- 0001: the canonical tables, import bookkeeping and the audit log.
-- Frozen once released: later changes go in a new numbered migration.

CREATE TABLE customers (
    customer_id VARCHAR NOT NULL,
    created_at TIMESTAMP,
    email VARCHAR,
    phone VARCHAR,
    country VARCHAR,
    language VARCHAR,
    time_zone VARCHAR,
    implicit BOOLEAN NOT NULL DEFAULT false,
    _batch_id BIGINT NOT NULL,
    _source_file VARCHAR,
    _source_line BIGINT,
    _extra JSON
);

CREATE TABLE orders (
    order_id VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    ordered_at TIMESTAMP NOT NULL,
    amount DECIMAL(18,4) NOT NULL,
    currency VARCHAR,
    channel VARCHAR,
    status VARCHAR,
    _batch_id BIGINT NOT NULL,
    _source_file VARCHAR,
    _source_line BIGINT,
    _extra JSON
);

CREATE TABLE tickets (
    ticket_id VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    first_response_at TIMESTAMP,
    resolved_at TIMESTAMP,
    channel VARCHAR,
    category VARCHAR,
    csat INTEGER,
    effort INTEGER,
    _batch_id BIGINT NOT NULL,
    _source_file VARCHAR,
    _source_line BIGINT,
    _extra JSON
);

CREATE TABLE survey_responses (
    response_id VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    answered_at TIMESTAMP NOT NULL,
    nps INTEGER,
    csat INTEGER,
    ces INTEGER,
    emo_stand_out INTEGER,
    emo_confident_future INTEGER,
    emo_well_being INTEGER,
    emo_freedom INTEGER,
    emo_thrill INTEGER,
    emo_belonging INTEGER,
    emo_environment INTEGER,
    emo_self_identity INTEGER,
    emo_secure INTEGER,
    emo_success INTEGER,
    comment VARCHAR,
    language VARCHAR,
    _batch_id BIGINT NOT NULL,
    _source_file VARCHAR,
    _source_line BIGINT,
    _extra JSON
);

CREATE TABLE campaigns (
    campaign_id VARCHAR NOT NULL,
    name VARCHAR,
    channel VARCHAR,
    subject VARCHAR,
    body VARCHAR,
    language VARCHAR,
    kind VARCHAR,
    _batch_id BIGINT NOT NULL,
    _source_file VARCHAR,
    _source_line BIGINT,
    _extra JSON
);

CREATE TABLE messages (
    message_id VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    campaign_id VARCHAR,
    channel VARCHAR NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    opened_at TIMESTAMP,
    clicked_at TIMESTAMP,
    unsubscribed_at TIMESTAMP,
    complained_at TIMESTAMP,
    _batch_id BIGINT NOT NULL,
    _source_file VARCHAR,
    _source_line BIGINT,
    _extra JSON
);

CREATE TABLE consents (
    customer_id VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    "at" TIMESTAMP NOT NULL,
    _batch_id BIGINT NOT NULL,
    _source_file VARCHAR,
    _source_line BIGINT,
    _extra JSON
);

CREATE TABLE charges (
    charge_id VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    kind VARCHAR,
    amount DECIMAL(18,4) NOT NULL,
    charged_at TIMESTAMP NOT NULL,
    waived_at TIMESTAMP,
    _batch_id BIGINT NOT NULL,
    _source_file VARCHAR,
    _source_line BIGINT,
    _extra JSON
);

CREATE TABLE gestures (
    gesture_id VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    reason VARCHAR,
    given_at TIMESTAMP,
    cost DECIMAL(18,4),
    arm VARCHAR,
    trigger VARCHAR,
    event_key VARCHAR,
    _batch_id BIGINT NOT NULL,
    _source_file VARCHAR,
    _source_line BIGINT,
    _extra JSON
);

CREATE TABLE referrals (
    referral_id VARCHAR NOT NULL,
    referrer_id VARCHAR NOT NULL,
    referred_customer_id VARCHAR,
    referred_at TIMESTAMP NOT NULL,
    _batch_id BIGINT NOT NULL,
    _source_file VARCHAR,
    _source_line BIGINT,
    _extra JSON
);
-- One row per file ingested (or attempted): the unit of atomicity.
CREATE SEQUENCE batch_seq START 1;
CREATE TABLE batches (
    batch_id BIGINT PRIMARY KEY,
    table_name VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    file_sha256 VARCHAR,
    file_format VARCHAR,
    options JSON,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    rows_read BIGINT NOT NULL,
    inserted BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    duplicates BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    implicit_customers BIGINT NOT NULL
);

-- Input rows that were not loaded, one row per failing field, never dropped silently.
CREATE TABLE rejects (
    batch_id BIGINT NOT NULL,
    table_name VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    line BIGINT,
    field VARCHAR,
    raw_value VARCHAR,
    reason VARCHAR NOT NULL,
    record JSON,
    customer_ids VARCHAR[]
);

-- Every update of an existing row by a later import: what it was and what it became.
CREATE TABLE row_changes (
    batch_id BIGINT NOT NULL,
    table_name VARCHAR NOT NULL,
    row_key VARCHAR NOT NULL,
    customer_ids VARCHAR[],
    changed_at TIMESTAMP NOT NULL,
    before JSON,
    after JSON
);

-- Actions that must leave a trace (erasure, key management), without personal data.
CREATE TABLE audit_log (
    "at" TIMESTAMP NOT NULL,
    action VARCHAR NOT NULL,
    detail JSON
);
