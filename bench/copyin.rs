//! Benchmark driver (not a test): loads a CSV into a table through baton's `CopyIn` entry point,
//! then prints rows, seconds, rows per second and the process's peak RSS. Run by `copyin.sh`.
//!
//! usage: copyin <postgres url> <csv path> <table>

use std::path::Path;
use std::time::Instant;

use baton::files::{FileKey, FileStore};
use baton::spec::catalogue::task_type;
use baton::tasks::jdbc::{JdbcContext, execute};
use serde_json::json;
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, csv, table] = args.as_slice() else {
        return Err("usage: copyin <postgres url> <csv path> <table>".into());
    };
    let csv = Path::new(csv);
    let dir = csv.parent().ok_or("the CSV path has no directory")?;
    let name = csv.file_name().ok_or("the CSV path has no file name")?;
    // The CSV's directory is the data directory: `from` is a plain path inside it.
    let files = FileStore::new(dir);
    let key = FileKey {
        namespace: "bench".into(),
        flow_id: "copyin".into(),
        execution_id: "e".into(),
        task_id: "load".into(),
        task_run_id: "r".into(),
    };
    let task = task_type("io.kestra.plugin.jdbc.postgresql.CopyIn")
        .ok_or("CopyIn is not in the catalogue")?
        .parse(json!({
            "url": url, "from": name.to_string_lossy(), "table": table,
            "format": "CSV", "header": true
        }))?;
    let log = |_: tracing::Level, _: &str| {};
    let ctx = JdbcContext {
        files: &files,
        file_key: &key,
        log: &log,
        cancel: CancellationToken::new(),
    };
    let started = Instant::now();
    let out = execute(&task, &ctx).await?;
    let seconds = started.elapsed().as_secs_f64();
    let rows = out["rowCount"].as_u64().unwrap_or(0);
    println!(
        "baton rows={rows} seconds={seconds:.2} rows_per_second={:.0} peak_rss_kb={}",
        rows as f64 / seconds,
        peak_rss_kb()
    );
    Ok(())
}

/// VmHWM of this process (peak resident set size), in KiB.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
