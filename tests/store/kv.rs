//! The namespace key-value store and its TTLs.

use baton::store::Store;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

pub(super) async fn kv_values_expire_after_their_ttl(store: Arc<dyn Store>) {
    store
        .kv_set("ns", "plain", &json!({"a": 1}), None)
        .await
        .expect("set");
    store
        .kv_set(
            "ns",
            "short",
            &json!("soon gone"),
            Some(Duration::from_millis(100)),
        )
        .await
        .expect("set");
    store
        .kv_set("other", "plain", &json!(2), None)
        .await
        .expect("set");
    assert_eq!(
        store.kv_get("ns", "plain").await.expect("get"),
        Some(json!({"a": 1}))
    );
    assert_eq!(
        store.kv_get("ns", "short").await.expect("get"),
        Some(json!("soon gone"))
    );
    let keys: Vec<_> = store
        .kv_list("ns")
        .await
        .expect("list")
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(keys, ["plain", "short"]);

    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(store.kv_get("ns", "short").await.expect("get"), None);
    let listed = store.kv_list("ns").await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].key.as_str(), &listed[0].value, listed[0].expires),
        ("plain", &json!({"a": 1}), None)
    );
    assert!(
        !store.kv_delete("ns", "short").await.expect("delete"),
        "expired keys are gone"
    );

    store
        .kv_set("ns", "plain", &json!([1, 2]), None)
        .await
        .expect("overwrite");
    assert_eq!(
        store.kv_get("ns", "plain").await.expect("get"),
        Some(json!([1, 2]))
    );
    assert!(store.kv_delete("ns", "plain").await.expect("delete"));
    assert!(!store.kv_delete("ns", "plain").await.expect("delete twice"));
    assert_eq!(store.kv_get("ns", "plain").await.expect("get"), None);
    assert_eq!(
        store.kv_get("other", "plain").await.expect("get"),
        Some(json!(2))
    );
}
