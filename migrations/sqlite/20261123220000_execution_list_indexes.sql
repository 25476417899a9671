-- The executions list orders by (created, id) newest first: with `created` alone SQLite sorted
-- every execution in a temporary b-tree to break ties, which made deep pages slow. The state
-- filter with a namespace counts from (state, namespace, created) without reading rows. The
-- single-column indexes are prefixes of the new ones.
CREATE INDEX executions_created_id ON executions (created, id);
CREATE INDEX executions_state_namespace ON executions (state, namespace, created);
DROP INDEX executions_created;
DROP INDEX executions_state;
-- A flow's executions newest first, ties broken by id without a sort.
DROP INDEX executions_flow_created;
CREATE INDEX executions_flow_created ON executions (namespace, flow_id, created, id);
