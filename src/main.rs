//! The `baton` binary: everything is in the library; this only hands over to `cli`.

fn main() -> std::process::ExitCode {
    baton::cli::main()
}
