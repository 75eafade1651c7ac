-- governor/check: everything the contact rules need about one customer, in one round trip.
-- Bound by the caller: $1 the customer, $2 the campaign (NULL: none), $3 .. $5 since when
-- sends, complaints and unsubscribes matter (the longest cap window and the two cooldowns).
-- Each part is a point lookup by customer (ART indexes of migrations 0002 and 0011). DuckDB
-- uses an index only when the scan's pushed-down filter is the key alone, so other filters
-- are either OR-ed (not pushed down) or left to the caller; a test pins the index scans.
--   0 messages: sends since the longest cap window, complaints and unsubscribes since
--     their cooldowns began (t1 = sent_at, t2 = complained_at, t3 = unsubscribed_at);
--   1 consent events, every channel (text = channel, t1 = at, status), filtered by the
--     caller: a filter on channel here would stop DuckDB from using the index;
--   2 the customer's tickets (t1 = opened, t2 = resolved; a customer has few, and a
--     filter on their times would stop the index scan);
--   3 the customer's time zone; 4 the campaign's kind;
--   5 every set of contact preferences the customer saved (a customer has few; the caller
--     picks the one in force): t1 = at, t2 = paused_until, text and status = own quiet
--     hours' start and end, n1 / n2 = max_per_week / max_per_month, flag = stopped,
--     names = channels kept.
SELECT 0 AS part, channel AS text, sent_at AS t1, complained_at AS t2, unsubscribed_at AS t3,
       NULL AS status, NULL::INTEGER AS n1, NULL::INTEGER AS n2, NULL::BOOLEAN AS flag,
       NULL::VARCHAR[] AS names
FROM messages
WHERE customer_id = $1
  AND (sent_at > $3 OR complained_at > $4
       OR unsubscribed_at > $5)
UNION ALL
SELECT 1, channel, "at", NULL, NULL, status, NULL, NULL, NULL, NULL
FROM consents
WHERE customer_id = $1
UNION ALL
SELECT 2, NULL, opened_at, resolved_at, NULL, NULL, NULL, NULL, NULL, NULL
FROM tickets
WHERE customer_id = $1
UNION ALL
SELECT 3, time_zone, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM customers
WHERE customer_id = $1
UNION ALL
SELECT 4, kind, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM campaigns
WHERE campaign_id = $2
UNION ALL
SELECT 5, quiet_start, "at", paused_until, NULL, quiet_end, max_per_week, max_per_month,
       stopped, channels
FROM contact_preferences
WHERE customer_id = $1
