-- 0002: point lookups by customer for the contact governor.
-- `legame contact check` reads one customer's messages, consents, tickets and time zone;
-- without these ART indexes each lookup scans the whole table. Measured at 1 million
-- messages: check median 16 ms without, 1.4 ms with; the messages index costs about
-- 34 MB of file and 3 s of insert time per million messages (docs/policy.md).
CREATE INDEX messages_customer_idx ON messages (customer_id);
CREATE INDEX consents_customer_idx ON consents (customer_id);
CREATE INDEX tickets_customer_idx ON tickets (customer_id);
CREATE INDEX customers_customer_idx ON customers (customer_id);
