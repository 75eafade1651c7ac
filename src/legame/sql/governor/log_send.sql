-- governor/log_send: log one send in messages (bound: $1 message id, $2 customer, $3 campaign,
-- $4 channel, $5 sent at, $6 batch, $7 source).
INSERT INTO messages (message_id, customer_id, campaign_id, channel, sent_at, _batch_id,
                      _source_file)
VALUES ($1, $2, $3, $4, $5, $6, $7)
