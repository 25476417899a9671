//! `baton plan`: what merging the repository's current state would change compared with what
//! is deployed in a database (added, changed with a diff, removed, newly invalid), as text or
//! as Markdown for a pull-request comment. Exit code 0 either way; 1 when a file is invalid.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::deploy::{NamespaceFilter, plan::PlanKind};
use crate::load::DirTree;

/// Output formats.
#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Markdown,
    Json,
}

/// Flags of `baton plan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The repository's working directory.
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    /// The store to compare with.
    #[arg(long, env = "BATON_DATABASE", default_value = "sqlite://baton.db")]
    pub database: String,
    /// Compare only namespaces matching this glob.
    #[arg(long, env = "BATON_NAMESPACE_FILTER")]
    pub namespace_filter: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Prints the plan.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let store = crate::store::open_store(&args.database)
            .await
            .with_context(|| format!("opening {}", crate::source::sanitize_url(&args.database)))?;
        let tree =
            DirTree::new(&args.repo).with_context(|| format!("reading {}", args.repo.display()))?;
        let filter = args
            .namespace_filter
            .as_deref()
            .map(NamespaceFilter::new)
            .transpose()?;
        let plan = crate::deploy::plan(&tree, store.as_ref(), filter.as_ref()).await?;
        let out = match args.format {
            Format::Text => plan.render_text(),
            Format::Markdown => plan.render_markdown(),
            Format::Json => serde_json::to_string_pretty(&plan)?,
        };
        print!("{out}");
        let invalid = plan.of(PlanKind::Invalid).next().is_some();
        Ok(if invalid {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        })
    })
}
