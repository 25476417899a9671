//! Tailing logs with `after_id` while several writers append: no line is ever skipped.

use super::{log, now};
use baton::store::model::{Execution, Level};
use baton::store::{LogFilter, Store};
use std::sync::Arc;

pub(super) async fn tailing_logs_by_id_never_skips_a_line_of_concurrent_writers(
    store: Arc<dyn Store>,
) {
    let execution = Execution::new("ns", "flow", 1, now());
    store.create_execution(&execution).await.expect("create");
    const WRITERS: usize = 4;
    const BATCHES: usize = 25;
    const LINES: usize = 4;
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let store = store.clone();
        let id = execution.id.clone();
        writers.push(tokio::spawn(async move {
            for b in 0..BATCHES {
                let batch: Vec<_> = (0..LINES)
                    .map(|l| log(&id, None, Level::Info, &format!("{w}-{b}-{l}")))
                    .collect();
                store.append_logs(&batch).await.expect("append");
            }
        }));
    }
    let total = WRITERS * BATCHES * LINES;
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut writers_done = false;
    loop {
        let filter = LogFilter {
            after_id: cursor,
            ..LogFilter::default()
        };
        let page = store.logs(&execution.id, &filter).await.expect("tail");
        if let Some(last) = page.last() {
            cursor = Some(last.id);
        }
        seen.extend(page.into_iter().map(|l| l.message));
        if writers_done {
            break;
        }
        writers_done = writers.iter().all(|w| w.is_finished());
        tokio::task::yield_now().await;
    }
    for writer in writers {
        writer.await.expect("writer");
    }
    assert_eq!(seen.len(), total, "the tail saw every line exactly once");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), total);
}
