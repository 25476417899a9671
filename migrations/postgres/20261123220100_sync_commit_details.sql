-- Message, author and time of the last applied and attempted commits, for the overview.
ALTER TABLE sync_status ADD COLUMN applied_commit JSONB;
ALTER TABLE sync_status ADD COLUMN attempted_commit JSONB;
