-- A state filter with a namespace counts from (state, namespace, created) in an index-only scan
-- (it was a sequential scan of every execution).
CREATE INDEX executions_state_namespace ON executions (state, namespace, created);
