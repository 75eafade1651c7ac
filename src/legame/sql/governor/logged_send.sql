-- governor/logged_send: the send already logged under a message id, if any (bound: $1 the
-- message id), to tell a retry of the same send from a clash with another.
SELECT customer_id, channel, sent_at, campaign_id
FROM messages
WHERE message_id = $1
