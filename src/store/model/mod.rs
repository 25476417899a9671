//! The execution model: pure data read and written through the `Store`, serialized as
//! camelCase JSON like Kestra's API. No I/O here.

mod execution;
mod flow;
mod kv;
mod lease;
mod log;
mod state;
mod sync;
mod task_run;
mod worker;

pub use execution::{Execution, Label, ParentRef};
pub use flow::{FlowRevision, NewRevision};
pub use kv::KvEntry;
pub use lease::{LEADER_LEASE, Lease, TaskRunLease, WorkerLease};
pub use log::{ALL_LEVELS, Level, LogEntry, NewLog, UnknownLevel};
pub use state::{ALL_STATES, State, StateChange, StateHistory, UnknownState};
pub use sync::{CommitDetails, FlowSyncStatus, SyncStatus};
pub use task_run::{Attempt, Dispatch, TaskRun, WorkerPayload};
pub use worker::WorkerInfo;
