-- SPEC §12: each workspace's unsubscribe key (32 random bytes, base64url), made by the
-- server the first time a device asks for it (GET /workspace) or a token is checked.
-- Tokens in List-Unsubscribe are HMAC-SHA256 under it (core/unsubscribe-token.ts);
-- devices keep a copy to make them offline. Null until then.
alter table workspaces add column unsubscribe_key text;
