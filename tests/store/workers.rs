//! Worker registrations and heartbeats.

use super::now;
use baton::store::model::WorkerInfo;
use baton::store::{Store, StoreError};
use chrono::TimeDelta;
use std::sync::Arc;

pub(super) async fn workers_register_and_heartbeat(store: Arc<dyn Store>) {
    let started = now() - TimeDelta::minutes(5);
    let worker = WorkerInfo {
        id: "w1".into(),
        host: "host-a".into(),
        version: "0.1.0".into(),
        group: Some("gpu".into()),
        started,
        last_heartbeat: started,
        running: 0,
    };
    store.register_worker(&worker).await.expect("register");
    assert_eq!(store.workers().await.expect("list"), [worker]);
    store.worker_heartbeat("w1", 3).await.expect("heartbeat");
    let listed = store.workers().await.expect("list");
    assert_eq!(listed[0].running, 3);
    assert!(listed[0].last_heartbeat > started);
    assert!(matches!(
        store.worker_heartbeat("ghost", 0).await,
        Err(StoreError::NotFound { what: "worker", .. })
    ));
}
