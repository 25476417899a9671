//! Flow concurrency slots.

use baton::store::Store;
use std::sync::Arc;

pub(super) async fn concurrency_slots_respect_the_limit(store: Arc<dyn Store>) {
    assert!(store.acquire_slot("ns", "f", 2, "e1").await.expect("e1"));
    assert!(store.acquire_slot("ns", "f", 2, "e2").await.expect("e2"));
    assert!(!store.acquire_slot("ns", "f", 2, "e3").await.expect("e3"));
    assert!(
        store
            .acquire_slot("ns", "f", 2, "e1")
            .await
            .expect("e1 again"),
        "idempotent"
    );
    assert!(
        store
            .acquire_slot("ns", "g", 2, "e4")
            .await
            .expect("other flow")
    );
    assert_eq!(store.slot_count("ns", "f").await.expect("count"), 2);
    assert!(store.release_slot("e1").await.expect("release"));
    assert!(!store.release_slot("e1").await.expect("release twice"));
    assert!(
        store
            .acquire_slot("ns", "f", 2, "e3")
            .await
            .expect("e3 now")
    );

    let mut racers = Vec::new();
    for i in 0..10 {
        let store = store.clone();
        racers.push(tokio::spawn(async move {
            store.acquire_slot("ns", "race", 3, &format!("r{i}")).await
        }));
    }
    let mut granted = 0;
    for racer in racers {
        if racer.await.expect("racer").expect("acquire") {
            granted += 1;
        }
    }
    assert_eq!(granted, 3);
    assert_eq!(store.slot_count("ns", "race").await.expect("count"), 3);
}
