-- 0005: one row per natural key, before 0006 makes the keys primary.
-- Stores written before these versions may hold two rows for one key (four parallel
-- uploads of one file used to insert it four times). The latest row of each key (highest
-- batch, then line) is kept, as a serial import would have kept it, and every row removed
-- is recorded in row_changes (before: the removed row, after: the kept one). Repeated keys
-- are found with a group-by first, so the window that ranks them runs over those rows only.
-- A separate migration from 0006 because DuckDB checks a new key against the rows deleted
-- in the same transaction.
-- customers
CREATE TEMP TABLE _dup AS
    SELECT rowid AS _rowid, first_value(rowid) OVER w AS _kept, row_number() OVER w AS _rank
    FROM customers
    SEMI JOIN (SELECT customer_id FROM customers GROUP BY ALL HAVING count(*) > 1) USING (customer_id)
    WINDOW w AS (PARTITION BY customer_id ORDER BY _batch_id DESC, _source_line DESC NULLS LAST);
INSERT INTO row_changes
    SELECT k._batch_id, 'customers', d.customer_id::VARCHAR,
           list_filter([d.customer_id], lambda x: x IS NOT NULL), now()::TIMESTAMP, to_json(d), to_json(k)
    FROM _dup
    JOIN customers d ON d.rowid = _dup._rowid
    JOIN customers k ON k.rowid = _dup._kept
    WHERE _dup._rank > 1;
DELETE FROM customers WHERE rowid IN (SELECT _rowid FROM _dup WHERE _rank > 1);
DROP TABLE _dup;

-- orders
CREATE TEMP TABLE _dup AS
    SELECT rowid AS _rowid, first_value(rowid) OVER w AS _kept, row_number() OVER w AS _rank
    FROM orders
    SEMI JOIN (SELECT order_id FROM orders GROUP BY ALL HAVING count(*) > 1) USING (order_id)
    WINDOW w AS (PARTITION BY order_id ORDER BY _batch_id DESC, _source_line DESC NULLS LAST);
INSERT INTO row_changes
    SELECT k._batch_id, 'orders', d.order_id::VARCHAR,
           list_filter([d.customer_id], lambda x: x IS NOT NULL), now()::TIMESTAMP, to_json(d), to_json(k)
    FROM _dup
    JOIN orders d ON d.rowid = _dup._rowid
    JOIN orders k ON k.rowid = _dup._kept
    WHERE _dup._rank > 1;
DELETE FROM orders WHERE rowid IN (SELECT _rowid FROM _dup WHERE _rank > 1);
DROP TABLE _dup;

-- tickets
CREATE TEMP TABLE _dup AS
    SELECT rowid AS _rowid, first_value(rowid) OVER w AS _kept, row_number() OVER w AS _rank
    FROM tickets
    SEMI JOIN (SELECT ticket_id FROM tickets GROUP BY ALL HAVING count(*) > 1) USING (ticket_id)
    WINDOW w AS (PARTITION BY ticket_id ORDER BY _batch_id DESC, _source_line DESC NULLS LAST);
INSERT INTO row_changes
    SELECT k._batch_id, 'tickets', d.ticket_id::VARCHAR,
           list_filter([d.customer_id], lambda x: x IS NOT NULL), now()::TIMESTAMP, to_json(d), to_json(k)
    FROM _dup
    JOIN tickets d ON d.rowid = _dup._rowid
    JOIN tickets k ON k.rowid = _dup._kept
    WHERE _dup._rank > 1;
DELETE FROM tickets WHERE rowid IN (SELECT _rowid FROM _dup WHERE _rank > 1);
DROP TABLE _dup;

-- survey_responses
CREATE TEMP TABLE _dup AS
    SELECT rowid AS _rowid, first_value(rowid) OVER w AS _kept, row_number() OVER w AS _rank
    FROM survey_responses
    SEMI JOIN (SELECT response_id FROM survey_responses GROUP BY ALL HAVING count(*) > 1) USING (response_id)
    WINDOW w AS (PARTITION BY response_id ORDER BY _batch_id DESC, _source_line DESC NULLS LAST);
INSERT INTO row_changes
    SELECT k._batch_id, 'survey_responses', d.response_id::VARCHAR,
           list_filter([d.customer_id], lambda x: x IS NOT NULL), now()::TIMESTAMP, to_json(d), to_json(k)
    FROM _dup
    JOIN survey_responses d ON d.rowid = _dup._rowid
    JOIN survey_responses k ON k.rowid = _dup._kept
    WHERE _dup._rank > 1;
DELETE FROM survey_responses WHERE rowid IN (SELECT _rowid FROM _dup WHERE _rank > 1);
DROP TABLE _dup;

-- campaigns
CREATE TEMP TABLE _dup AS
    SELECT rowid AS _rowid, first_value(rowid) OVER w AS _kept, row_number() OVER w AS _rank
    FROM campaigns
    SEMI JOIN (SELECT campaign_id FROM campaigns GROUP BY ALL HAVING count(*) > 1) USING (campaign_id)
    WINDOW w AS (PARTITION BY campaign_id ORDER BY _batch_id DESC, _source_line DESC NULLS LAST);
INSERT INTO row_changes
    SELECT k._batch_id, 'campaigns', d.campaign_id::VARCHAR,
           NULL, now()::TIMESTAMP, to_json(d), to_json(k)
    FROM _dup
    JOIN campaigns d ON d.rowid = _dup._rowid
    JOIN campaigns k ON k.rowid = _dup._kept
    WHERE _dup._rank > 1;
DELETE FROM campaigns WHERE rowid IN (SELECT _rowid FROM _dup WHERE _rank > 1);
DROP TABLE _dup;

-- messages
CREATE TEMP TABLE _dup AS
    SELECT rowid AS _rowid, first_value(rowid) OVER w AS _kept, row_number() OVER w AS _rank
    FROM messages
    SEMI JOIN (SELECT message_id FROM messages GROUP BY ALL HAVING count(*) > 1) USING (message_id)
    WINDOW w AS (PARTITION BY message_id ORDER BY _batch_id DESC, _source_line DESC NULLS LAST);
INSERT INTO row_changes
    SELECT k._batch_id, 'messages', d.message_id::VARCHAR,
           list_filter([d.customer_id], lambda x: x IS NOT NULL), now()::TIMESTAMP, to_json(d), to_json(k)
    FROM _dup
    JOIN messages d ON d.rowid = _dup._rowid
    JOIN messages k ON k.rowid = _dup._kept
    WHERE _dup._rank > 1;
DELETE FROM messages WHERE rowid IN (SELECT _rowid FROM _dup WHERE _rank > 1);
DROP TABLE _dup;

-- consents
CREATE TEMP TABLE _dup AS
    SELECT rowid AS _rowid, first_value(rowid) OVER w AS _kept, row_number() OVER w AS _rank
    FROM consents
    SEMI JOIN (SELECT customer_id, channel, "at" FROM consents GROUP BY ALL HAVING count(*) > 1) USING (customer_id, channel, "at")
    WINDOW w AS (PARTITION BY customer_id, channel, "at" ORDER BY _batch_id DESC, _source_line DESC NULLS LAST);
INSERT INTO row_changes
    SELECT k._batch_id, 'consents', d.customer_id::VARCHAR || '|' || d.channel::VARCHAR || '|' || d."at"::VARCHAR,
           list_filter([d.customer_id], lambda x: x IS NOT NULL), now()::TIMESTAMP, to_json(d), to_json(k)
    FROM _dup
    JOIN consents d ON d.rowid = _dup._rowid
    JOIN consents k ON k.rowid = _dup._kept
    WHERE _dup._rank > 1;
DELETE FROM consents WHERE rowid IN (SELECT _rowid FROM _dup WHERE _rank > 1);
DROP TABLE _dup;

-- charges
CREATE TEMP TABLE _dup AS
    SELECT rowid AS _rowid, first_value(rowid) OVER w AS _kept, row_number() OVER w AS _rank
    FROM charges
    SEMI JOIN (SELECT charge_id FROM charges GROUP BY ALL HAVING count(*) > 1) USING (charge_id)
    WINDOW w AS (PARTITION BY charge_id ORDER BY _batch_id DESC, _source_line DESC NULLS LAST);
INSERT INTO row_changes
    SELECT k._batch_id, 'charges', d.charge_id::VARCHAR,
           list_filter([d.customer_id], lambda x: x IS NOT NULL), now()::TIMESTAMP, to_json(d), to_json(k)
    FROM _dup
    JOIN charges d ON d.rowid = _dup._rowid
    JOIN charges k ON k.rowid = _dup._kept
    WHERE _dup._rank > 1;
DELETE FROM charges WHERE rowid IN (SELECT _rowid FROM _dup WHERE _rank > 1);
DROP TABLE _dup;

-- gestures
CREATE TEMP TABLE _dup AS
    SELECT rowid AS _rowid, first_value(rowid) OVER w AS _kept, row_number() OVER w AS _rank
    FROM gestures
    SEMI JOIN (SELECT gesture_id FROM gestures GROUP BY ALL HAVING count(*) > 1) USING (gesture_id)
    WINDOW w AS (PARTITION BY gesture_id ORDER BY _batch_id DESC, _source_line DESC NULLS LAST);
INSERT INTO row_changes
    SELECT k._batch_id, 'gestures', d.gesture_id::VARCHAR,
           list_filter([d.customer_id], lambda x: x IS NOT NULL), now()::TIMESTAMP, to_json(d), to_json(k)
    FROM _dup
    JOIN gestures d ON d.rowid = _dup._rowid
    JOIN gestures k ON k.rowid = _dup._kept
    WHERE _dup._rank > 1;
DELETE FROM gestures WHERE rowid IN (SELECT _rowid FROM _dup WHERE _rank > 1);
DROP TABLE _dup;

-- referrals
CREATE TEMP TABLE _dup AS
    SELECT rowid AS _rowid, first_value(rowid) OVER w AS _kept, row_number() OVER w AS _rank
    FROM referrals
    SEMI JOIN (SELECT referral_id FROM referrals GROUP BY ALL HAVING count(*) > 1) USING (referral_id)
    WINDOW w AS (PARTITION BY referral_id ORDER BY _batch_id DESC, _source_line DESC NULLS LAST);
INSERT INTO row_changes
    SELECT k._batch_id, 'referrals', d.referral_id::VARCHAR,
           list_filter([d.referrer_id, d.referred_customer_id], lambda x: x IS NOT NULL), now()::TIMESTAMP, to_json(d), to_json(k)
    FROM _dup
    JOIN referrals d ON d.rowid = _dup._rowid
    JOIN referrals k ON k.rowid = _dup._kept
    WHERE _dup._rank > 1;
DELETE FROM referrals WHERE rowid IN (SELECT _rowid FROM _dup WHERE _rank > 1);
DROP TABLE _dup;
