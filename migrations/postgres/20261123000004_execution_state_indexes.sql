-- The overview counts executions by state since a time: a covering index makes it a range
-- scan (the list's (state, created, id) index already exists in the initial migration).
CREATE INDEX executions_created_state ON executions (created, state);
