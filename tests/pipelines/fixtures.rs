//! Generated inputs served over HTTP on 127.0.0.1: a products JSON shaped like the public
//! products API, and gzipped CSV months of yellow and green taxi trips with the real files'
//! headers. Every value is derived from a seed, so a test knows what it served.

use std::collections::HashMap;
use std::io::Write as _;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};

use crate::http_tasks::serve;

/// Header of the real yellow trip files.
pub const YELLOW_HEADER: &str = "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,RatecodeID,store_and_fwd_flag,PULocationID,DOLocationID,payment_type,fare_amount,extra,mta_tax,tip_amount,tolls_amount,improvement_surcharge,total_amount,congestion_surcharge";
/// Header of the real green trip files.
pub const GREEN_HEADER: &str = "VendorID,lpep_pickup_datetime,lpep_dropoff_datetime,store_and_fwd_flag,RatecodeID,PULocationID,DOLocationID,passenger_count,trip_distance,fare_amount,extra,mta_tax,tip_amount,tolls_amount,ehail_fee,improvement_surcharge,total_amount,payment_type,trip_type,congestion_surcharge";

/// A small deterministic generator (no dependency on a random crate's sequence).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
}

/// One month of trips: the CSV text (header included) and its distinct rows. Every row is
/// distinct by construction (the pickup second is the row number); `duplicates` of them are
/// repeated at the end, as real files sometimes repeat a trip.
pub fn taxi_csv(taxi: &str, year: u32, month: u32, rows: usize, duplicates: usize) -> String {
    let mut rng = Lcg(u64::from(year * 100 + month) + if taxi == "yellow" { 0 } else { 7 });
    let mut lines = Vec::with_capacity(rows);
    for i in 0..rows {
        let day = 1 + (i / 3600) % 28;
        let second = i % 3600;
        let pickup = format!(
            "{year}-{month:02}-{day:02} {:02}:{:02}:{:02}",
            second / 3600 + 8,
            (second / 60) % 60,
            second % 60
        );
        let dropoff = format!("{year}-{month:02}-{day:02} 23:{:02}:00", rng.next(60));
        let vendor = 1 + rng.next(2);
        // Real files leave passenger_count empty now and then.
        let passengers = if i % 17 == 0 {
            String::new()
        } else {
            (1 + rng.next(4)).to_string()
        };
        let distance = format!("{}.{:02}", rng.next(20), rng.next(100));
        let fare = format!("{}.{}", 3 + rng.next(60), rng.next(10) * 5);
        let total = format!("{}.{:02}", 5 + rng.next(80), rng.next(100));
        let (pu, dol) = (1 + rng.next(265), 1 + rng.next(265));
        lines.push(match taxi {
            "yellow" => format!(
                "{vendor},{pickup},{dropoff},{passengers},{distance},1,N,{pu},{dol},1,{fare},0.5,0.5,1.0,0,0.3,{total},"
            ),
            _ => format!(
                "{vendor},{pickup},{dropoff},N,1,{pu},{dol},{passengers},{distance},{fare},0.5,0.5,1.0,0,,0.3,{total},1,1,"
            ),
        });
    }
    let repeated: Vec<String> = lines.iter().take(duplicates).cloned().collect();
    lines.extend(repeated);
    let header = if taxi == "yellow" {
        YELLOW_HEADER
    } else {
        GREEN_HEADER
    };
    format!("{header}\n{}\n", lines.join("\n"))
}

/// `text` gzipped.
pub fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(text.as_bytes()).expect("gzip");
    encoder.finish().expect("gzip")
}

/// Products shaped like the public products API (`{"products": [...], "total": n}`): several
/// per brand, extra fields the transform drops, and one product without a brand.
pub fn products() -> Value {
    let brands = [
        "Apple", "Samsung", "Essence", "Apple", "Samsung", "Apple", "Essence",
    ];
    let prices = [
        "999.99", "499.5", "9.99", "1299", "129.99", "49.01", "14.49",
    ];
    let mut list: Vec<Value> = brands
        .iter()
        .zip(prices)
        .enumerate()
        .map(|(i, (brand, price))| {
            json!({"id": i + 1, "title": format!("Product {i}"), "brand": brand,
                   "price": price.parse::<f64>().expect("price"), "category": "misc",
                   "tags": ["a", "b"]})
        })
        .collect();
    list.push(json!({"id": 99, "title": "Plain bag", "price": 3.5, "category": "groceries"}));
    json!({"products": list, "total": list.len(), "skip": 0, "limit": 30})
}

/// Serves `/products` and `/taxi/<taxi>/<file>.csv.gz` from `files` (name -> gzipped bytes);
/// returns the server's base URL.
pub async fn serve_fixtures(files: HashMap<String, Vec<u8>>) -> String {
    let router = Router::new()
        .route("/products", get(|| async { axum::Json(products()) }))
        .route(
            "/taxi/{taxi}/{file}",
            get(
                |State(files): State<std::sync::Arc<HashMap<String, Vec<u8>>>>,
                 Path((taxi, file)): Path<(String, String)>| async move {
                    match files.get(&format!("{taxi}/{file}")) {
                        Some(bytes) => (StatusCode::OK, bytes.clone()),
                        None => (StatusCode::NOT_FOUND, b"no such file".to_vec()),
                    }
                },
            ),
        )
        .with_state(std::sync::Arc::new(files));
    format!("http://{}", serve(router).await)
}
