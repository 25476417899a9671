//! Schedules, webhook triggers and flow-completion triggers; the scheduler loop and its lease.
