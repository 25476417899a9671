//! The store of task input and output files, addressed by `kestra://` URIs.
//!
//! Files enter through [`FileStore::put`] (a streaming copy from a run's working directory) and
//! are read back by URI. URIs are shaped like Kestra's:
//! `kestra:///<namespace as path>/<flow>/executions/<execution>/tasks/<task>/<task run>/<name>`,
//! so a flow that passes `{{ outputs.task.outputFiles['x'] }}` around works unchanged.

mod error;
mod key;
mod log_file;
mod store;

pub use error::FileError;
pub use key::{FileKey, URI_SCHEME};
pub use log_file::{LogFile, LogFileLine};
pub use store::FileStore;
