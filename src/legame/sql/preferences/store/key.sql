-- preferences/store/key: the secret of one signing key (bound: $1 the key id).
SELECT secret
FROM link_keys
WHERE key_id = $1
