-- 0011: the cadence each customer sets (issue 20, seed 003: the customer chooses when to
-- listen). A signed, expiring link (legame.engage.preferences) opens a page where the
-- customer picks channels, at most how many messages a week or a month, quiet hours, a
-- pause until a date, or stop. Each saved form is one row: the latest row per customer
-- is what the contact governor honours (tighter than the policy and any experiment arm,
-- never looser). Channels turned off also land in `consents` as withdrawals. Personal
-- data: erased with the customer.
CREATE TABLE contact_preferences (
    customer_id VARCHAR NOT NULL,
    "at" TIMESTAMP NOT NULL,
    -- channels the customer keeps for marketing (NULL: not chosen, every channel)
    channels VARCHAR[],
    -- at most this many marketing messages in any 7 / 30 days, every channel (NULL: none)
    max_per_week INTEGER,
    max_per_month INTEGER,
    -- own quiet hours, 'HH:MM' wall-clock in the customer's time zone (NULL: none)
    quiet_start VARCHAR,
    quiet_end VARCHAR,
    -- no marketing before this instant (NULL: no pause)
    paused_until TIMESTAMP,
    -- no marketing at all until the customer changes it again
    stopped BOOLEAN NOT NULL DEFAULT false,
    -- where the choice came from ('preference_link', 'api') and which link (its id, never
    -- the token itself)
    source VARCHAR NOT NULL,
    link_id VARCHAR
);
CREATE INDEX contact_preferences_customer_idx ON contact_preferences (customer_id);

-- The secret preference links are signed with (HMAC-SHA256), made once per workspace.
-- A new row (`legame contact links --rotate`) makes every older link invalid.
CREATE TABLE link_keys (
    key_id VARCHAR PRIMARY KEY,
    secret BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
