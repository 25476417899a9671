//! `flows/tutorial/extract_transform_query.yaml`: download the products JSON, keep the chosen
//! columns in Python, load them with COPY and average the price per brand in PostgreSQL.

use std::collections::{BTreeMap, HashMap};

use baton::store::model::State;
use serde_json::{Value, json};

use super::fixtures::{products, serve_fixtures};
use super::{Database, Pipeline, summary, task_run};

const FLOW: &str = "flows/tutorial/extract_transform_query.yaml";

/// `round(avg(price), 2)` per brand, computed from the served products in whole cents (half
/// away from zero, as PostgreSQL rounds numerics), most expensive first.
fn expected_averages() -> Vec<(Option<String>, f64)> {
    let mut by_brand: BTreeMap<Option<String>, (i64, i64)> = BTreeMap::new();
    for product in products()["products"].as_array().expect("products") {
        let brand = product["brand"].as_str().map(str::to_owned);
        let cents = (product["price"].as_f64().expect("price") * 100.0).round() as i64;
        let entry = by_brand.entry(brand).or_default();
        entry.0 += cents;
        entry.1 += 1;
    }
    let mut averages: Vec<(Option<String>, f64)> = by_brand
        .into_iter()
        .map(|(brand, (sum, n))| {
            // sum / n to whole hundredths: sum is in hundredths already.
            let rounded = (2 * sum + n) / (2 * n);
            (brand, rounded as f64 / 100.0)
        })
        .collect();
    averages.sort_by(|a, b| b.1.total_cmp(&a.1));
    averages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn extract_transform_query_averages_the_price_per_brand() {
    let Some(db) = Database::create("etq").await else {
        return;
    };
    let base = serve_fixtures(HashMap::new()).await;
    let pipeline = Pipeline::start(&db.jdbc_url).await;
    let (execution, runs) = pipeline
        .run(FLOW, json!({"products_url": format!("{base}/products")}))
        .await;
    assert_eq!(execution.state, State::Success, "{}", summary(&runs));

    // Only the chosen columns reached the table, every product as one row.
    let served = products()["products"].as_array().map_or(0, Vec::len);
    assert_eq!(db.count("products").await, served as i64);
    let columns = db
        .json_rows("SELECT column_name FROM information_schema.columns WHERE table_name = 'products' ORDER BY ordinal_position")
        .await;
    assert_eq!(
        columns,
        vec![
            json!({"column_name": "brand"}),
            json!({"column_name": "price"})
        ]
    );

    let query = &task_run(&runs, "query").outputs;
    let expected = expected_averages();
    assert_eq!(query["size"], json!(expected.len()));
    let rows = query["rows"].as_array().expect("fetched rows");
    let got: Vec<(Option<String>, f64)> = rows
        .iter()
        .map(|row| {
            let brand = row["brand"].as_str().map(str::to_owned);
            (
                brand,
                row["avg_price"].as_f64().expect("avg_price is a number"),
            )
        })
        .collect();
    assert_eq!(got.len(), expected.len(), "{rows:?}");
    for ((brand, avg), (want_brand, want_avg)) in got.iter().zip(&expected) {
        assert_eq!(brand, want_brand, "{rows:?}");
        assert!(
            (avg - want_avg).abs() < 1e-9,
            "{brand:?}: {avg} != {want_avg}"
        );
    }
    assert_eq!(rows[0]["brand"], Value::String("Apple".into()));
    pipeline.stop();
    db.drop().await;
}
