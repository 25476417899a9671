//! JSON Schema and semantic checks -> `Diagnostic`s, and their rendering as human, GitHub and
//! JSON output.
