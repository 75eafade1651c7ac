-- preferences/store/newest_key: the key preference links are signed with now (the newest;
-- older ones are rotated out and verify nothing).
SELECT key_id, secret
FROM link_keys
ORDER BY created_at DESC, key_id DESC
LIMIT 1
