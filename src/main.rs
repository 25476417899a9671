//! The `baton` binary: everything is in the library; this only hands over to `cli`.

// Loading and checking flows is allocation-bound (a JSON value and a position per YAML node):
// mimalloc cut `baton validate`'s CPU time by a fifth against glibc's allocator (10,000 flows:
// 1.22 s -> 0.93 s). Built with `no_thp` (Cargo.toml) so the daemon's idle memory stays small.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    baton::cli::main()
}
