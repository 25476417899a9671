-- Message, author and time of the last applied and attempted commits (JSON), for the overview.
ALTER TABLE sync_status ADD COLUMN applied_commit TEXT;
ALTER TABLE sync_status ADD COLUMN attempted_commit TEXT;
