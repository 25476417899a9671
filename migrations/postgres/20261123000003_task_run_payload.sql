-- What a worker needs to run a task run without the engine: the task's JSON (after plugin
-- defaults) and the template context the engine built for it (store::model::WorkerPayload).
ALTER TABLE task_runs ADD COLUMN payload JSONB;
