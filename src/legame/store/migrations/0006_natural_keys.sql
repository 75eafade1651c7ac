-- 0006: natural keys the store enforces.
-- Every canonical table gets its natural key as PRIMARY KEY, so no writer (a concurrent
-- API ingest, a script, a bug) can store two rows for one key. The customer lookup indexes
-- of 0002 are dropped first (DuckDB does not alter a table that has an index) and made
-- again after; customers no longer needs its own: its primary key is one.
DROP INDEX messages_customer_idx;
DROP INDEX consents_customer_idx;
DROP INDEX tickets_customer_idx;
DROP INDEX customers_customer_idx;
ALTER TABLE customers ADD PRIMARY KEY (customer_id);
ALTER TABLE orders ADD PRIMARY KEY (order_id);
ALTER TABLE tickets ADD PRIMARY KEY (ticket_id);
ALTER TABLE survey_responses ADD PRIMARY KEY (response_id);
ALTER TABLE campaigns ADD PRIMARY KEY (campaign_id);
ALTER TABLE messages ADD PRIMARY KEY (message_id);
ALTER TABLE consents ADD PRIMARY KEY (customer_id, channel, "at");
ALTER TABLE charges ADD PRIMARY KEY (charge_id);
ALTER TABLE gestures ADD PRIMARY KEY (gesture_id);
ALTER TABLE referrals ADD PRIMARY KEY (referral_id);
CREATE INDEX messages_customer_idx ON messages (customer_id);
CREATE INDEX consents_customer_idx ON consents (customer_id);
CREATE INDEX tickets_customer_idx ON tickets (customer_id);
