//! Failures inside the pipelines read well on the task run and the execution: a malformed CSV
//! row (its line in the file), bad SQL (the server's message at its place in the SQL), and a
//! database that refuses connections (where baton tried).

use std::collections::HashMap;

use baton::store::model::State;
use serde_json::json;

use super::fixtures::{gzip, serve_fixtures, taxi_csv};
use super::{Database, Pipeline, set_password_secret, summary, task_run};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_malformed_taxi_row_fails_the_copy_at_its_line_and_loads_nothing() {
    let Some(db) = Database::create("taxi_bad").await else {
        return;
    };
    // Line 6 of the file (the header is line 1) loses its last seven columns.
    let csv = taxi_csv("yellow", 2020, 3, 10, 0);
    let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
    let cut: Vec<&str> = lines[5].split(',').take(11).collect();
    lines[5] = cut.join(",");
    let file = "yellow/yellow_tripdata_2020-03.csv.gz".to_owned();
    let base = serve_fixtures(HashMap::from([(file, gzip(&(lines.join("\n") + "\n")))])).await;
    let pipeline = Pipeline::start(&db.jdbc_url).await;
    let inputs = json!({"taxi": "yellow", "year": "2020", "month": "03",
                        "base_url": format!("{base}/taxi")});
    let (execution, runs) = pipeline.run("flows/tutorial/taxi_elt.yaml", inputs).await;
    assert_eq!(execution.state, State::Failed, "{}", summary(&runs));
    let copy = task_run(&runs, "yellow_copy_in");
    assert_eq!(copy.state, State::Failed);
    let error = copy.error.as_deref().unwrap_or_default();
    assert!(error.contains("missing data for column"), "{error}");
    assert!(error.contains("line 6"), "{error}");
    assert!(
        runs.iter().all(|t| t.task_id != "yellow_merge"),
        "{}",
        summary(&runs)
    );
    assert_eq!(db.count("yellow_tripdata").await, 0);
    pipeline.stop();
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_sql_in_a_flow_fails_with_the_server_message_and_position() {
    let Some(db) = Database::create("bad_sql").await else {
        return;
    };
    let pipeline = Pipeline::start(&db.jdbc_url).await;
    // A flow of the tutorial namespace: its connection comes from the namespace's defaults.
    let source = "id: bad_sql\nnamespace: tutorial\ntasks:\n  - id: query\n    type: io.kestra.plugin.jdbc.postgresql.Query\n    sql: |\n      SELECT brand,\n        FROM products\n    fetchType: FETCH\n";
    let (execution, runs) = pipeline.run_source(source, None, json!({})).await;
    assert_eq!(execution.state, State::Failed, "{}", summary(&runs));
    let error = task_run(&runs, "query").error.clone().unwrap_or_default();
    assert!(
        error.contains("syntax error at or near \"FROM\" (line 2, position 3)"),
        "{error}"
    );
    pipeline.stop();
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_connection_fails_the_first_sql_task_and_names_the_address() {
    // Nothing listens on port 1; no test server is needed, only the namespace's secret.
    set_password_secret(
        &std::env::var("BATON_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://u:p@h/d".into()),
    );
    let base = serve_fixtures(HashMap::new()).await;
    let pipeline = Pipeline::start("jdbc:postgresql://127.0.0.1:1/warehouse").await;
    let (execution, runs) = pipeline
        .run(
            "flows/tutorial/extract_transform_query.yaml",
            json!({"products_url": format!("{base}/products")}),
        )
        .await;
    assert_eq!(execution.state, State::Failed, "{}", summary(&runs));
    assert_eq!(task_run(&runs, "transform").state, State::Success);
    let error = task_run(&runs, "create_table")
        .error
        .clone()
        .unwrap_or_default();
    assert!(
        error.contains("cannot connect to PostgreSQL at 127.0.0.1:1/warehouse"),
        "{error}"
    );
    assert!(error.to_lowercase().contains("refused"), "{error}");
    assert!(
        runs.iter().all(|t| t.task_id != "load"),
        "{}",
        summary(&runs)
    );
    pipeline.stop();
}
