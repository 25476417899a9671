//! The flow model: `Flow`, `Task` (typed by the catalogue), `Trigger`, `Input`, `Retry`,
//! `Duration`, `Cron`; the type catalogue and Kestra's aliases. Pure data, no I/O.
