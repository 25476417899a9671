//! `baton validate [PATH...]`: checks flow files (a repo root, folders or single files) and
//! prints every problem. Exit code 0 when there is no error (warnings allowed), 1 when there is
//! one, 2 on a usage error.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::load::{Limits, load_paths};
use crate::validate::render::{Format, Sources, render};
use crate::validate::{Options, validate_repo};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// rustc-like messages with the source line (colour on a terminal).
    Human,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// A JSON array of diagnostics.
    Json,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Human => Format::Human,
            FormatArg::Github => Format::Github,
            FormatArg::Json => Format::Json,
        }
    }
}

/// Flags of `baton validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A repo root (with `flows/` and `namespaces/`), a folder of flows, or flow files.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Largest flow file accepted, in bytes (suffixes KiB, MiB accepted).
    #[arg(long, default_value = "1MiB", value_parser = parse_size)]
    pub max_file_size: usize,
    /// Threads to check files on (default: every core).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// `1048576`, `512KiB`, `1MiB` (also `K`/`KB`/`M`/`MB`, binary multiples).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: usize = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size"))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        _ => return Err(format!("unknown size unit in `{text}` (use KiB or MiB)")),
    };
    n.checked_mul(factor)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// Validates and prints; exit code 1 when any error was found.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(missing) = args.paths.iter().find(|p| !p.exists()) {
        eprintln!("error: `{}` does not exist", missing.display());
        return Ok(ExitCode::from(2));
    }
    let limits = Limits {
        max_bytes: args.max_file_size,
        ..Limits::default()
    };
    let files = load_paths(&args.paths, &limits);
    let report = validate_repo(
        &files,
        &Options {
            threads: args.threads,
            check_only: true,
        },
    );
    let sources: Sources<'_> = files
        .flows
        .iter()
        .map(|f| (f.path.as_str(), f.text.as_str()))
        .collect();
    let stdout = std::io::stdout();
    let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let text = render(&report, args.format.into(), &sources, color);
    let mut lock = stdout.lock();
    lock.write_all(text.as_bytes())
        .context("writing the report")?;
    lock.flush().context("writing the report")?;
    let valid = report.is_valid();
    // Freeing every document one by one costs a noticeable part of a big repo's run, and the
    // process ends here: the system takes the memory back at once.
    drop(sources);
    std::mem::forget(report);
    std::mem::forget(files);
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1MiB"), Ok(1024 * 1024));
        assert_eq!(parse_size("512KiB"), Ok(512 * 1024));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("1GiB").is_err());
    }
}
