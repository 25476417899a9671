//! Claims runnable task runs from the store, runs them through `tasks`, heartbeats, reports.
