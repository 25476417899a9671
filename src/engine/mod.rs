//! Executions: a pure `next(execution, flow) -> actions` core and the driver that persists each
//! transition before acting on it.
