//! The minijinja environment: Kestra variables, functions, filters and sandbox limits.
