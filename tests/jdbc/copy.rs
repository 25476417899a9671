//! `CopyIn` and `CopyOut`: files streamed in and out with COPY, every option, the taxi pattern
//! (COPY into staging, MERGE into the main table: re-running adds no duplicates), round trips.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::{Pg, pg};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/jdbc")
        .join(name)
}

/// Stores a fixture as an output of an earlier task; returns its URI.
async fn upload(pg: &Pg, name: &str) -> String {
    pg.files
        .put(&pg.key, name, &fixture(name))
        .await
        .expect("put fixture")
}

#[tokio::test]
async fn csv_with_header_and_columns_loads_every_row() {
    let Some(pg) = pg("copy_csv").await else {
        return;
    };
    pg.exec(
        "CREATE TABLE trips (vendor_id text, pickup timestamp, dropoff timestamp,
                             passengers int, distance numeric, total numeric, extra text)",
    )
    .await;
    let uri = upload(&pg, "yellow_tripdata_sample.csv").await;
    let out = pg
        .run(
            "CopyIn",
            json!({
                "from": uri, "table": format!("{}.Trips", pg.schema), "format": "CSV", "header": true,
                "columns": ["vendor_id", "pickup", "dropoff", "passengers", "distance", "total"]
            }),
        )
        .await;
    assert_eq!(out.ok(), Some(json!({"rowCount": 6})));
    let rows = pg
        .rows("SELECT count(*) AS n, sum(total) AS total, count(passengers) AS with_passengers FROM trips")
        .await;
    assert_eq!(
        rows,
        vec![json!({"n": 6, "total": 58.31, "with_passengers": 5})]
    );
    pg.cleanup().await;
}

#[tokio::test]
async fn delimiter_quote_null_force_null_and_encoding_are_applied() {
    let Some(pg) = pg("copy_options").await else {
        return;
    };
    pg.exec("CREATE TABLE notes (id int, name text, note text)")
        .await;
    let uri = upload(&pg, "latin1_semicolon.csv").await;
    let props = json!({
        "from": uri, "table": "notes", "format": "CSV", "header": true,
        "delimiter": ";", "quote": "'", "null": "NA", "encoding": "LATIN1", "forceNull": ["note"]
    });
    let out = pg.run("CopyIn", props).await;
    assert_eq!(out.ok(), Some(json!({"rowCount": 3})));
    let rows = pg
        .rows("SELECT id, name, note FROM notes ORDER BY id")
        .await;
    assert_eq!(
        rows,
        vec![
            json!({"id": 1, "name": "café", "note": null}),
            json!({"id": 2, "name": "a;b", "note": "\"\""}),
            json!({"id": 3, "name": null, "note": null}),
        ]
    );
    pg.cleanup().await;
}

#[tokio::test]
async fn a_malformed_row_names_its_line() {
    let Some(pg) = pg("copy_malformed").await else {
        return;
    };
    pg.exec("CREATE TABLE amounts (id int, amount numeric)")
        .await;
    let uri = upload(&pg, "malformed.csv").await;
    let error = pg
        .run(
            "CopyIn",
            json!({"from": uri, "table": "amounts", "format": "CSV", "header": true}),
        )
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.contains("invalid input syntax for type numeric: \"not-a-number\""),
        "{error}"
    );
    assert!(
        error.contains("CONTEXT: COPY amounts, line 3, column amount"),
        "{error}"
    );
    assert_eq!(
        pg.rows("SELECT count(*) AS n FROM amounts").await,
        vec![json!({"n": 0})]
    );
    pg.cleanup().await;
}

#[tokio::test]
async fn copy_in_then_merge_twice_adds_no_duplicates() {
    let Some(pg) = pg("copy_taxi").await else {
        return;
    };
    let (table, staging) = (
        format!("{}.yellow_tripdata", pg.schema),
        format!("{}.yellow_tripdata_staging", pg.schema),
    );
    let tables = format!(
        "CREATE TABLE IF NOT EXISTS {table} (
           unique_row_id TEXT PRIMARY KEY, filename TEXT,
           vendor_id TEXT, pickup_datetime TIMESTAMP, dropoff_datetime TIMESTAMP,
           passenger_count INTEGER, trip_distance NUMERIC, total_amount NUMERIC);
         CREATE TABLE IF NOT EXISTS {staging} (
           unique_row_id TEXT, filename TEXT,
           vendor_id TEXT, pickup_datetime TIMESTAMP, dropoff_datetime TIMESTAMP,
           passenger_count INTEGER, trip_distance NUMERIC, total_amount NUMERIC);
         TRUNCATE {staging};"
    );
    let merge = format!(
        "UPDATE {staging}
         SET unique_row_id = md5(
               coalesce(vendor_id, '') || coalesce(pickup_datetime::text, '') ||
               coalesce(dropoff_datetime::text, '') || coalesce(trip_distance::text, '') ||
               coalesce(total_amount::text, '')),
             filename = 'yellow_tripdata_sample.csv';
         MERGE INTO {table} AS t
         USING (SELECT DISTINCT ON (unique_row_id) * FROM {staging}) AS s
         ON t.unique_row_id = s.unique_row_id
         WHEN NOT MATCHED THEN INSERT
           (unique_row_id, filename, vendor_id, pickup_datetime, dropoff_datetime,
            passenger_count, trip_distance, total_amount)
         VALUES (s.unique_row_id, s.filename, s.vendor_id, s.pickup_datetime, s.dropoff_datetime,
            s.passenger_count, s.trip_distance, s.total_amount);"
    );
    let uri = upload(&pg, "yellow_tripdata_sample.csv").await;
    for _ in 0..2 {
        pg.exec(&tables).await;
        let copied = pg
            .run(
                "CopyIn",
                json!({
                    "from": uri, "table": staging, "format": "CSV", "header": true,
                    "columns": ["vendor_id", "pickup_datetime", "dropoff_datetime", "passenger_count", "trip_distance", "total_amount"]
                }),
            )
            .await;
        assert_eq!(copied.ok(), Some(json!({"rowCount": 6})));
        pg.exec(&merge).await;
        // The sample holds one duplicated trip: 5 distinct rows, however often it is loaded.
        let count = pg.rows(&format!("SELECT count(*) AS n FROM {table}")).await;
        assert_eq!(count, vec![json!({"n": 5})]);
    }
    pg.cleanup().await;
}

#[tokio::test]
async fn copy_out_round_trips_through_every_format() {
    let Some(pg) = pg("copy_roundtrip").await else {
        return;
    };
    pg.exec(
        "CREATE TABLE src (id int, label text, at timestamptz, payload jsonb);
         INSERT INTO src SELECT g, CASE WHEN g % 3 = 0 THEN NULL ELSE E'line ' || g || E'\\nwith \"quotes\", commas' END,
                                '2024-01-01'::timestamptz + g * interval '1 hour', jsonb_build_object('g', g)
         FROM generate_series(1, 1000) g",
    )
    .await;
    for (format, header) in [("CSV", Some(true)), ("TEXT", None), ("BINARY", None)] {
        let dst = format!("dst_{}", format.to_lowercase());
        pg.exec(&format!("CREATE TABLE {dst} (LIKE src)")).await;
        let mut props = json!({"table": "src", "format": format});
        if let Some(header) = header {
            props["header"] = json!(header);
        }
        let out = pg.run("CopyOut", props.clone()).await.expect("copy out");
        assert_eq!(out["rowCount"], json!(1000), "{format}");
        props["from"] = out["uri"].clone();
        props["table"] = json!(dst);
        let back = pg.run("CopyIn", props).await;
        assert_eq!(back.ok(), Some(json!({"rowCount": 1000})), "{format}");
        let diff = pg
            .rows(&format!(
                "SELECT count(*) AS n FROM ((TABLE src EXCEPT ALL TABLE {dst}) UNION ALL (TABLE {dst} EXCEPT ALL TABLE src)) d"
            ))
            .await;
        assert_eq!(diff, vec![json!({"n": 0})], "{format}");
    }
    pg.cleanup().await;
}

#[tokio::test]
async fn copy_out_of_a_query_writes_the_file_and_locates_errors() {
    let Some(pg) = pg("copy_out_sql").await else {
        return;
    };
    let out = pg
        .run(
            "CopyOut",
            json!({"sql": "SELECT g AS n, 'x' AS s FROM generate_series(1, 3) g;", "format": "CSV", "header": true, "delimiter": "\\t"}),
        )
        .await
        .expect("copy out");
    assert_eq!(out["rowCount"], json!(3));
    let uri = out["uri"].as_str().unwrap_or_default();
    assert!(uri.ends_with("/copy-out.csv"), "{uri}");
    assert_eq!(pg.stored(uri).await, "n\ts\n1\tx\n2\tx\n3\tx\n");
    let error = pg
        .run(
            "CopyOut",
            json!({"sql": "SELECT 1,\n  nope FROM (SELECT 1) t"}),
        )
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.starts_with("column \"nope\" does not exist (line 2, position 3)"),
        "{error}"
    );
    pg.cleanup().await;
}

#[tokio::test]
async fn names_that_are_not_identifiers_are_refused_before_any_sql() {
    let Some(pg) = pg("copy_injection").await else {
        return;
    };
    pg.exec("CREATE TABLE victim (a int)").await;
    let uri = upload(&pg, "malformed.csv").await;
    for props in [
        json!({"from": uri, "table": "victim; DROP TABLE victim"}),
        json!({"from": uri, "table": "victim", "columns": ["a) FROM STDIN; DROP TABLE victim; --"]}),
        json!({"from": uri, "table": "victim", "forceNull": ["a, b"], "format": "CSV"}),
    ] {
        let error = pg
            .run("CopyIn", props)
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.starts_with("invalid `"), "{error}");
    }
    assert_eq!(
        pg.rows("SELECT count(*) AS n FROM victim").await,
        vec![json!({"n": 0})]
    );
    pg.cleanup().await;
}

#[tokio::test]
async fn from_may_be_a_path_inside_the_data_directory_only() {
    let Some(pg) = pg("copy_path").await else {
        return;
    };
    pg.exec("CREATE TABLE amounts (id int, amount numeric)")
        .await;
    let root = pg.files.root.clone();
    std::fs::create_dir_all(root.join("inbox")).expect("inbox");
    std::fs::write(root.join("inbox/ok.csv"), "1,2.5\n2,3\n").expect("write");
    let out = pg
        .run(
            "CopyIn",
            json!({"from": "inbox/ok.csv", "table": "amounts", "format": "CSV"}),
        )
        .await;
    assert_eq!(out.ok(), Some(json!({"rowCount": 2})));
    let outside = pg.dir.path().join("outside.csv");
    std::fs::write(&outside, "3,1\n").expect("write");
    for from in [outside.display().to_string(), "../outside.csv".to_owned()] {
        let error = pg
            .run(
                "CopyIn",
                json!({"from": from, "table": "amounts", "format": "CSV"}),
            )
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.contains("outside the data directory"),
            "{from}: {error}"
        );
    }
    let missing = pg
        .run(
            "CopyIn",
            json!({"from": "kestra:///company/team/pg/nothing.csv", "table": "amounts"}),
        )
        .await;
    assert!(missing.is_err());
    assert_eq!(
        pg.rows("SELECT count(*) AS n FROM amounts").await,
        vec![json!({"n": 2})]
    );
    let _: Option<Value> = None;
    pg.cleanup().await;
}
