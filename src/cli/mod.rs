//! One file per subcommand: parse flags, call the library, print.
