//! Running a command spec on the `process` or `docker` runner; log streaming and Kestra's
//! `::{json}::` output protocol.
