//! The store of task input and output files, addressed by `kestra://` URIs.
