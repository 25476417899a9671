//! `baton schema`: prints the flow JSON Schema (what `schemas/flow.schema.json` holds).

use std::process::ExitCode;

/// Flags of `baton schema`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the schema of `namespaces/<ns>/namespace.yaml` files instead.
    #[arg(long)]
    pub namespace: bool,
}

/// Prints the schema.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let schema = if args.namespace {
        crate::spec::schema::namespace_schema()
    } else {
        crate::spec::schema::flow_schema()
    };
    println!("{}", serde_json::to_string_pretty(&schema)?);
    Ok(ExitCode::SUCCESS)
}
