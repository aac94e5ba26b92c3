-- A push decides a run of mutations from one read, then sends each as its own
-- transaction that starts with this check: it locks the workspace row (as every push
-- transaction does, so sequence numbers commit in order) and fails with SQLSTATE
-- CD001 unless the workspace's sequence and the client's last mutation id are still
-- the ones the decisions were made on. The server then reads again and carries on
-- (server/sync.ts). Nothing else writes rows without moving the sequence.
create function sync_expect(ws bigint, expected_seq bigint, client text, expected_last bigint)
returns void
language plpgsql
as $$
declare
  found_seq bigint;
  found_last bigint;
begin
  select seq into found_seq from workspaces where id = ws for update;
  select last_mutation_id into found_last from clients where workspace_id = ws and client_id = client;
  if found_seq is distinct from expected_seq or coalesce(found_last, 0) <> expected_last then
    raise exception 'workspace % changed since it was read (seq % not %, last mutation % not %)',
      ws, found_seq, expected_seq, coalesce(found_last, 0), expected_last
      using errcode = 'CD001';
  end if;
end;
$$;
