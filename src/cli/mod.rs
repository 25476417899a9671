//! One file per subcommand: parse flags, call the library, print. Errors become messages here
//! and nowhere else.

pub mod plan;
pub mod run;
pub mod schema;
pub mod server;
pub mod validate;
pub mod worker;

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
    /// Run one execution of a flow file to its end.
    Run(run::Args),
    /// Run the daemon: sync loop, scheduler, engine, worker and HTTP server.
    // Boxed: the daemon's many flags would make every variant as large.
    Server(Box<server::Args>),
    /// Run a standalone worker sharing the engine's database.
    Worker(worker::Args),
    /// Show what merging the repository would change in a database.
    Plan(plan::Args),
}

/// Runs the parsed command line and returns the process exit code.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Schema(args) => schema::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Run(args) => run::run(args),
        Command::Server(args) => server::main(*args),
        Command::Worker(args) => worker::run(args),
        Command::Plan(args) => plan::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
