//! `Queries`: a script in one transaction, an output per statement returning rows.

use serde_json::json;

use super::pg;

#[tokio::test]
async fn each_statement_returning_rows_adds_an_output() {
    let Some(pg) = pg("queries_outputs").await else {
        return;
    };
    let out = pg
        .run(
            "Queries",
            json!({
                "sql": "CREATE TABLE t (id int);\n\
                        INSERT INTO t SELECT generate_series(1, 3);\n\
                        SELECT count(*) AS n FROM t;\n\
                        SELECT id FROM t WHERE id > :min ORDER BY id;\n\
                        SELECT id FROM t WHERE id > 99",
                "parameters": {"min": 1},
                "fetchType": "FETCH"
            }),
        )
        .await;
    assert_eq!(
        out.ok(),
        Some(json!({
            "outputs": [
                {"rows": [{"n": 3}], "size": 1},
                {"rows": [{"id": 2}, {"id": 3}], "size": 2},
                {"rows": [], "size": 0}
            ],
            "size": 3
        }))
    );
    pg.cleanup().await;
}

#[tokio::test]
async fn store_writes_one_file_per_statement() {
    let Some(pg) = pg("queries_store").await else {
        return;
    };
    let out = pg
        .run(
            "Queries",
            json!({"sql": "SELECT 1 AS a; SELECT 2 AS b", "fetchType": "STORE"}),
        )
        .await
        .expect("queries");
    let outputs = out["outputs"].as_array().cloned().unwrap_or_default();
    assert_eq!(outputs.len(), 2);
    let second = outputs[1]["uri"].as_str().unwrap_or_default();
    assert_eq!(pg.stored(second).await, "{\"b\":2}\n");
    pg.cleanup().await;
}

#[tokio::test]
async fn a_failing_statement_rolls_back_the_earlier_ones() {
    let Some(pg) = pg("queries_rollback").await else {
        return;
    };
    pg.exec("CREATE TABLE t (id int PRIMARY KEY)").await;
    let error = pg
        .run(
            "Queries",
            json!({"sql": "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2)"}),
        )
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.contains("duplicate key value violates unique constraint"),
        "{error}"
    );
    assert!(error.contains("Key (id)=(1) already exists"), "{error}");
    assert_eq!(
        pg.rows("SELECT count(*) AS n FROM t").await,
        vec![json!({"n": 0})]
    );
    pg.cleanup().await;
}

#[tokio::test]
async fn without_a_transaction_earlier_statements_stay() {
    let Some(pg) = pg("queries_autocommit").await else {
        return;
    };
    pg.exec("CREATE TABLE t (id int PRIMARY KEY)").await;
    let result = pg
        .run(
            "Queries",
            json!({"sql": "INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)", "transaction": false}),
        )
        .await;
    assert!(result.is_err());
    assert_eq!(
        pg.rows("SELECT count(*) AS n FROM t").await,
        vec![json!({"n": 1})]
    );
    pg.cleanup().await;
}
