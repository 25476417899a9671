//! The `baton` binary: everything is in the library; this only hands over to `cli`.

// Loading and checking flows is allocation-bound (a JSON value and a position per YAML node):
// mimalloc cut `baton validate`'s CPU time by a fifth against glibc's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    baton::cli::main()
}
