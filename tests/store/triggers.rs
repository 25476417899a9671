//! Trigger ticks (fired once) and trigger state.

use super::now;
use baton::store::Store;
use chrono::TimeDelta;
use serde_json::json;
use std::sync::Arc;

pub(super) async fn a_trigger_tick_is_recorded_once(store: Arc<dyn Store>) {
    let tick = now();
    let mut racers = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        racers.push(tokio::spawn(async move {
            store.record_tick("ns.flow.daily", tick).await
        }));
    }
    let mut firsts = 0;
    for racer in racers {
        if racer.await.expect("racer").expect("record") {
            firsts += 1;
        }
    }
    assert_eq!(firsts, 1, "exactly one caller fires a tick");
    assert!(
        store
            .record_tick("ns.flow.daily", tick + TimeDelta::days(1))
            .await
            .expect("next")
    );
    assert!(
        store
            .record_tick("ns.flow.hourly", tick)
            .await
            .expect("other trigger")
    );

    assert_eq!(
        store.trigger_state_get("ns.flow.daily").await.expect("get"),
        None
    );
    store
        .trigger_state_set("ns.flow.daily", &json!({"next": "2026-01-01"}))
        .await
        .expect("set");
    store
        .trigger_state_set("ns.flow.daily", &json!({"next": "2026-01-02"}))
        .await
        .expect("set");
    assert_eq!(
        store.trigger_state_get("ns.flow.daily").await.expect("get"),
        Some(json!({"next": "2026-01-02"}))
    );
}
