//! Fault injection that is fast enough for CI. The scenarios that drive the real `baton`
//! binary (SIGKILL of the daemon, `docker kill`, a broken Git remote, a full disk) live in
//! `bench/faults/run.sh`; here, what can be injected in process: clock jumps under the
//! scheduler's injectable clock, and a full disk (a tmpfs) under the SQLite store.

mod clock;
mod disk_full;
