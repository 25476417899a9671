//! Reconcile a commit: changed files -> validate -> revisions; the live registry (swapped
//! atomically); namespace configuration inheritance; `plan`.
