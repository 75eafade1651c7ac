-- 0003: access to the HTTP API and the dashboard.
-- API keys: the secret is stored only as its SHA-256; revoked keys are kept for the audit.
CREATE TABLE api_keys (
    key_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    secret_sha256 VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

-- Dashboard sessions: the cookie holds a random token, stored here as its SHA-256 with the
-- key that signed in and the session's CSRF token; signing out deletes the row.
CREATE TABLE web_sessions (
    token_sha256 VARCHAR PRIMARY KEY,
    key_id VARCHAR NOT NULL,
    csrf_token VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
