//! `flows/tutorial/taxi_elt.yaml`: a month of yellow or green trips downloaded, decompressed,
//! copied into staging and merged by md5 row id, so a month loaded twice counts once; the
//! execution's files are purged at its end.

use std::collections::HashMap;

use baton::store::model::{Execution, State, TaskRun};
use serde_json::{Value, json};

use super::fixtures::{gzip, serve_fixtures, taxi_csv};
use super::{Database, Pipeline, summary, task_run};

const FLOW: &str = "flows/tutorial/taxi_elt.yaml";

/// One served month: taxi, year, month, distinct rows, repeated rows.
type Month = (&'static str, u32, u32, usize, usize);

const MONTHS: [Month; 3] = [
    ("yellow", 2019, 1, 120, 3),
    ("yellow", 2019, 2, 80, 0),
    ("green", 2019, 1, 90, 2),
];

fn file_name((taxi, year, month, _, _): Month) -> String {
    format!("{taxi}_tripdata_{year}-{month:02}.csv")
}

/// Runs the flow for `month` from the server at `base` and checks what every run must hold.
async fn load(pipeline: &Pipeline, base: &str, month: Month) -> (Execution, Vec<TaskRun>) {
    let (taxi, year, m, rows, duplicates) = month;
    let inputs = json!({"taxi": taxi, "year": year.to_string(), "month": format!("{m:02}"),
                        "base_url": format!("{base}/taxi")});
    let (execution, runs) = pipeline.run(FLOW, inputs).await;
    assert_eq!(execution.state, State::Success, "{}", summary(&runs));
    let copied = &task_run(&runs, &format!("{taxi}_copy_in")).outputs;
    assert_eq!(copied["rowCount"], json!(rows + duplicates), "{copied}");
    assert!(
        execution
            .labels
            .iter()
            .any(|l| l.key == "file" && l.value == file_name(month)),
        "{:?}",
        execution.labels
    );
    assert_purged(pipeline, &execution, &runs).await;
    (execution, runs)
}

/// The purge task deleted the download and the decompressed file, and nothing of the
/// execution is left in the file store.
async fn assert_purged(pipeline: &Pipeline, execution: &Execution, runs: &[TaskRun]) {
    let purged = task_run(runs, "purge_files").outputs["uris"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let download = &task_run(runs, "download").outputs["uri"];
    assert!(purged.contains(download), "{purged:?} lacks {download}");
    assert!(
        purged
            .iter()
            .filter_map(Value::as_str)
            .any(|u| u.ends_with(".csv")),
        "{purged:?}"
    );
    let left = pipeline
        .files
        .execution_files(&execution.namespace, &execution.flow_id, &execution.id)
        .await
        .expect("list the execution's files");
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn taxi_elt_loads_each_month_once_for_yellow_and_green() {
    let Some(db) = Database::create("taxi").await else {
        return;
    };
    let served: HashMap<String, Vec<u8>> = MONTHS
        .iter()
        .map(|&m| {
            let (taxi, year, month, rows, duplicates) = m;
            let csv = taxi_csv(taxi, year, month, rows, duplicates);
            (format!("{taxi}/{}.gz", file_name(m)), gzip(&csv))
        })
        .collect();
    let base = serve_fixtures(served).await;
    let pipeline = Pipeline::start(&db.jdbc_url).await;
    let [january, february, green] = MONTHS;

    load(&pipeline, &base, january).await;
    assert_eq!(db.count("yellow_tripdata").await, 120);
    // The same month again: staged again, merged into nothing new.
    load(&pipeline, &base, january).await;
    assert_eq!(db.count("yellow_tripdata").await, 120);
    load(&pipeline, &base, february).await;
    assert_eq!(db.count("yellow_tripdata").await, 200);
    load(&pipeline, &base, green).await;
    assert_eq!(db.count("green_tripdata").await, 90);
    assert_eq!(db.count("yellow_tripdata").await, 200);

    let per_file = db
        .json_rows("SELECT filename, count(*) AS n, count(DISTINCT unique_row_id) AS ids, bool_and(unique_row_id ~ '^[0-9a-f]{32}$') AS md5 FROM yellow_tripdata GROUP BY filename ORDER BY filename")
        .await;
    assert_eq!(
        per_file,
        vec![
            json!({"filename": file_name(january), "n": 120, "ids": 120, "md5": true}),
            json!({"filename": file_name(february), "n": 80, "ids": 80, "md5": true}),
        ]
    );
    // Empty CSV fields arrive as NULL (passenger_count of every 17th trip, green's ehail_fee).
    let nulls = db
        .json_rows("SELECT count(*) FILTER (WHERE passenger_count IS NULL) AS passengers, count(*) FILTER (WHERE ehail_fee IS NULL) AS ehail FROM green_tripdata")
        .await;
    assert_eq!(
        nulls,
        vec![json!({"passengers": 90_usize.div_ceil(17), "ehail": 90})]
    );
    pipeline.stop();
    db.drop().await;
}
