//! One file per subcommand: parse flags, call the library, print. Errors become messages here
//! and nowhere else.

pub mod schema;
pub mod validate;

use clap::{Parser, Subcommand};

/// baton: a Git-backed, declarative workflow orchestrator speaking Kestra's flow syntax.
#[derive(Debug, Parser)]
#[command(name = "baton", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the JSON Schema of flow files.
    Schema(schema::Args),
    /// Check flow files and report every problem (exit 1 on any error).
    Validate(validate::Args),
}

/// Runs the parsed command line and returns the process exit code.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Schema(args) => schema::run(args),
        Command::Validate(args) => validate::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
