//! YAML bytes -> JSON value + JSON-Pointer -> line/column map -> `spec::Flow`; walking a repo
//! tree (`flows/`, `namespaces/`) from a directory or a Git tree.
