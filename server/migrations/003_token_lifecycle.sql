-- Tokens can be listed, revoked and expire (SPEC §7). `prefix` is the token's first 12
-- characters (`cdsk_` and 7 more), shown by list-tokens so a person can tell tokens
-- apart; the secret itself is still never stored (null for tokens made before this).
-- A revoked or expired token is refused with 401 on its next request. `last_used_at`
-- is refreshed at most once an hour, so a request does not write on every call.
alter table tokens add column prefix text;
alter table tokens add column expires_at bigint;
alter table tokens add column revoked_at bigint;
alter table tokens add column last_used_at bigint;
