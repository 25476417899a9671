//! The `baton` binary: everything is in the library; this only hands over to `cli`.
//!
//! glibc's allocator on purpose: mimalloc cut `baton validate`'s CPU time by about a fifth, but
//! it commits whole arenas up front on Linux, which took the idle daemon with 1,000 flows from
//! 46 MB to 66 MB resident (the daemon's target is 50 MB), and an option set in `main` comes
//! too late to change that.

fn main() -> std::process::ExitCode {
    baton::cli::main()
}
