//! `Query`: one statement, each fetch type, the legacy booleans, parameters, STORE files.

use serde_json::{Value, json};

use super::pg;

#[tokio::test]
async fn fetch_types_shape_the_outputs_like_kestra() {
    let Some(pg) = pg("query_fetch").await else {
        return;
    };
    pg.exec("CREATE TABLE t (id int, name text); INSERT INTO t VALUES (1, 'a'), (2, 'b')")
        .await;
    let sql = "SELECT id, name FROM t ORDER BY id";
    let one = pg
        .run("Query", json!({"sql": sql, "fetchType": "FETCH_ONE"}))
        .await;
    assert_eq!(
        one.ok(),
        Some(json!({"row": {"id": 1, "name": "a"}, "size": 1}))
    );
    let all = pg
        .run("Query", json!({"sql": sql, "fetchType": "FETCH"}))
        .await;
    assert_eq!(
        all.ok(),
        Some(json!({"rows": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}], "size": 2}))
    );
    let none = pg.run("Query", json!({"sql": sql})).await;
    assert_eq!(none.ok(), Some(json!({})));
    let empty = pg
        .run(
            "Query",
            json!({"sql": "SELECT * FROM t WHERE id > 9", "fetchType": "FETCH_ONE"}),
        )
        .await;
    assert_eq!(empty.ok(), Some(json!({"row": null, "size": 0})));
    let insert = pg
        .run(
            "Query",
            json!({"sql": "INSERT INTO t VALUES (3, 'c')", "fetchType": "FETCH"}),
        )
        .await;
    assert_eq!(
        insert.ok(),
        Some(json!({})),
        "a statement without a result set has no rows output"
    );
    pg.cleanup().await;
}

#[tokio::test]
async fn legacy_booleans_win_over_fetch_type() {
    let Some(pg) = pg("query_legacy").await else {
        return;
    };
    let out = pg
        .run(
            "Query",
            json!({"sql": "SELECT 1 AS x", "fetchOne": true, "fetchType": "NONE"}),
        )
        .await;
    assert_eq!(out.ok(), Some(json!({"row": {"x": 1}, "size": 1})));
    let out = pg
        .run("Query", json!({"sql": "SELECT 1 AS x", "fetch": true}))
        .await;
    assert_eq!(out.ok(), Some(json!({"rows": [{"x": 1}], "size": 1})));
    let out = pg
        .run("Query", json!({"sql": "SELECT 1 AS x", "store": true}))
        .await;
    let out = out.expect("store");
    assert_eq!(
        pg.stored(out["uri"].as_str().unwrap_or_default()).await,
        "{\"x\":1}\n"
    );
    pg.cleanup().await;
}

#[tokio::test]
async fn store_streams_rows_to_a_json_lines_file() {
    let Some(pg) = pg("query_store").await else {
        return;
    };
    let out = pg
        .run(
            "Query",
            json!({
                "sql": "SELECT g AS n, 'row ' || g AS label FROM generate_series(1, 50000) g",
                "fetchType": "STORE"
            }),
        )
        .await
        .expect("store");
    assert_eq!(out["size"], json!(50000));
    let uri = out["uri"].as_str().unwrap_or_default();
    assert!(
        uri.starts_with("kestra:///company/team/pg/executions/ex1/tasks/query_store/tr1/"),
        "{uri}"
    );
    let text = pg.stored(uri).await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 50000);
    let last: Value = serde_json::from_str(lines[49999]).expect("a JSON object per line");
    assert_eq!(last, json!({"n": 50000, "label": "row 50000"}));
    pg.cleanup().await;
}

#[tokio::test]
async fn named_parameters_are_bound_as_literals_and_cannot_inject() {
    let Some(pg) = pg("query_params").await else {
        return;
    };
    pg.exec("CREATE TABLE people (name text, age int, born date)")
        .await;
    let hostile = "x'); DROP TABLE people; --\\";
    let out = pg
        .run(
            "Query",
            json!({
                "sql": "INSERT INTO people VALUES (:name, :age, :born) RETURNING name, age, born, :age::int + 1 AS next",
                "parameters": {"name": hostile, "age": -4, "born": "2020-02-29"},
                "fetchType": "FETCH_ONE"
            }),
        )
        .await;
    assert_eq!(
        out.ok(),
        Some(
            json!({"row": {"name": hostile, "age": -4, "born": "2020-02-29", "next": -3}, "size": 1})
        )
    );
    assert_eq!(
        pg.rows("SELECT count(*) AS n FROM people").await,
        vec![json!({"n": 1})]
    );
    pg.cleanup().await;
}

#[tokio::test]
async fn query_refuses_several_statements() {
    let Some(pg) = pg("query_several").await else {
        return;
    };
    let error = pg
        .run("Query", json!({"sql": "SELECT 1; SELECT 2"}))
        .await
        .err();
    let message = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("Queries"), "{message}");
    pg.cleanup().await;
}
