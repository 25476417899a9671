//! Log lines: batched appends, filters, paging by id.

use super::{execution_with_worker_runs, log};
use baton::store::model::Level;
use baton::store::{LogFilter, Store};
use std::sync::Arc;

pub(super) async fn logs_filter_by_task_and_level_and_page_by_id(store: Arc<dyn Store>) {
    let (execution, runs) = execution_with_worker_runs(&store, "ns", 2).await;
    let (other, _) = execution_with_worker_runs(&store, "ns", 0).await;
    let levels = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
    ];
    let mut batch = Vec::new();
    for i in 0..30 {
        let run = &runs[i % 2];
        batch.push(log(
            &execution.id,
            Some(run),
            levels[i % 5],
            &format!("line {i}"),
        ));
    }
    batch.push(log(&other.id, None, Level::Error, "elsewhere"));
    store.append_logs(&batch).await.expect("append");
    store.append_logs(&[]).await.expect("append nothing");

    let all = store
        .logs(&execution.id, &LogFilter::default())
        .await
        .expect("logs");
    assert_eq!(all.len(), 30);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "ids increase");
    assert_eq!(all[7].message, "line 7");
    assert_eq!(all[7].task_run_id.as_deref(), Some(runs[1].id.as_str()));

    let of_run = store
        .logs(
            &execution.id,
            &LogFilter {
                task_run_id: Some(runs[0].id.clone()),
                ..Default::default()
            },
        )
        .await
        .expect("by run");
    assert_eq!(of_run.len(), 15);
    let of_task = store
        .logs(
            &execution.id,
            &LogFilter {
                task_id: Some("t1".into()),
                ..Default::default()
            },
        )
        .await
        .expect("by task");
    assert!(of_task.iter().all(|l| l.task_id.as_deref() == Some("t1")) && of_task.len() == 15);
    let warnings = store
        .logs(
            &execution.id,
            &LogFilter {
                min_level: Some(Level::Warn),
                ..Default::default()
            },
        )
        .await
        .expect("by level");
    assert_eq!(warnings.len(), 12);
    assert!(warnings.iter().all(|l| l.level >= Level::Warn));

    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .logs(
                &execution.id,
                &LogFilter {
                    after_id: after,
                    limit: Some(8),
                    ..Default::default()
                },
            )
            .await
            .expect("page");
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 8);
        after = page.last().map(|l| l.id);
        paged.extend(page);
    }
    assert_eq!(paged, all, "paging by id returns every line once, in order");
}
