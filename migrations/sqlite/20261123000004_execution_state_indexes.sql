-- The overview counts executions by state since a time, and the executions list filters by
-- state newest first: covering indexes turn both into range scans (the state-only index made
-- SQLite scan every execution).
CREATE INDEX executions_created_state ON executions (created, state);
CREATE INDEX executions_state_created ON executions (state, created, id);
