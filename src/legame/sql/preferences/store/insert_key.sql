-- preferences/store/insert_key: a new signing key (bound: $1 id, $2 secret, $3 made at).
-- It is always the newest: made at $3, or just after the newest key when that one is not
-- older (a clock set back, or two keys within one tick), so a rotation always replaces
-- the key in use.
INSERT INTO link_keys (key_id, secret, created_at)
SELECT $1, $2, greatest(
    CAST($3 AS TIMESTAMP),
    COALESCE((SELECT max(created_at) FROM link_keys) + INTERVAL 1 MICROSECOND,
             CAST($3 AS TIMESTAMP)))
