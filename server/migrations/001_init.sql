-- The sync server's first schema: workspaces, their users and tokens, each client's
-- last applied mutation, and every synced row (tombstones included) with the
-- workspace sequence number of its last change. Instants are UTC epoch ms.

create table workspaces (
  id bigserial primary key,
  name text not null unique,
  -- The last sequence number handed to a row of this workspace. A push locks this
  -- row for its transaction, so sequence numbers commit in order (see docs/SYNC.md).
  seq bigint not null default 0,
  created_at bigint not null
);

create table users (
  id bigserial primary key,
  workspace_id bigint not null references workspaces (id),
  name text not null,
  created_at bigint not null,
  unique (workspace_id, name)
);

create table tokens (
  -- SHA-256 of the token, hex; the token itself is never stored.
  hash text primary key,
  user_id bigint not null references users (id),
  created_at bigint not null
);

create table clients (
  workspace_id bigint not null references workspaces (id),
  client_id text not null,
  user_id bigint not null references users (id),
  last_mutation_id bigint not null default 0,
  updated_at bigint not null,
  primary key (workspace_id, client_id)
);

create table rows (
  workspace_id bigint not null references workspaces (id),
  tbl text not null,
  id text not null,
  -- null for a tombstone (deleted = true).
  value jsonb,
  deleted boolean not null default false,
  seq bigint not null,
  primary key (workspace_id, tbl, id)
);

create index rows_by_seq on rows (workspace_id, seq);
