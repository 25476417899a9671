//! Leader leases: one holder at a time, renewal, release, failover after expiry, growing terms.

use baton::store::Store;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub(super) async fn two_contenders_never_both_hold_a_lease(store: Arc<dyn Store>) {
    let long = Duration::from_secs(60);
    let mut racers = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        racers.push(tokio::spawn(async move {
            store
                .try_acquire_lease("race", &format!("d{i}"), long)
                .await
        }));
    }
    let mut won = Vec::new();
    for racer in racers {
        if let Some(term) = racer.await.expect("racer").expect("acquire") {
            won.push(term);
        }
    }
    assert_eq!(won, [1], "exactly one of eight takes a free lease");

    // Two daemons contending in a loop with short leases: every term has one holder.
    let mut contenders = Vec::new();
    for name in ["a", "b"] {
        let store = store.clone();
        contenders.push(tokio::spawn(async move {
            let mut terms = Vec::new();
            for i in 0..30u64 {
                let ttl = Duration::from_millis(40);
                if let Some(term) = store
                    .try_acquire_lease("loop", name, ttl)
                    .await
                    .expect("acquire")
                {
                    terms.push(term);
                }
                tokio::time::sleep(Duration::from_millis(5 + (i * 7) % 23)).await;
            }
            (name, terms)
        }));
    }
    let mut holders: HashMap<i64, &str> = HashMap::new();
    for contender in contenders {
        let (name, terms) = contender.await.expect("contender");
        for term in terms {
            let first = *holders.entry(term).or_insert(name);
            assert_eq!(first, name, "term {term} held by {first} and {name}");
        }
    }
    assert!(!holders.is_empty());

    // A holder renewing keeps the lease and its term; the other one never gets in.
    let ttl = Duration::from_millis(500);
    let term = store
        .try_acquire_lease("scheduler", "a", ttl)
        .await
        .expect("a")
        .expect("free lease");
    for _ in 0..5 {
        assert_eq!(
            store
                .try_acquire_lease("scheduler", "b", ttl)
                .await
                .expect("b"),
            None
        );
        assert_eq!(
            store
                .try_acquire_lease("scheduler", "a", ttl)
                .await
                .expect("renew"),
            Some(term)
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let holder = store.lease_holder("scheduler").await.expect("holder");
    assert_eq!(holder.map(|l| (l.holder, l.term)), Some(("a".into(), term)));
    assert!(
        !store
            .release_lease("scheduler", "b")
            .await
            .expect("release")
    );
    assert!(
        store
            .release_lease("scheduler", "a")
            .await
            .expect("release")
    );
    assert_eq!(store.lease_holder("scheduler").await.expect("holder"), None);
    assert_eq!(
        store
            .try_acquire_lease("scheduler", "b", ttl)
            .await
            .expect("b"),
        Some(term + 1),
        "a released lease is free at once, and the new tenure has a new term"
    );
}

pub(super) async fn a_lease_fails_over_after_expiry_and_its_term_grows(store: Arc<dyn Store>) {
    let ttl = Duration::from_millis(200);
    let first = store
        .try_acquire_lease("git-sync", "a", ttl)
        .await
        .expect("a")
        .expect("free");
    assert_eq!(
        store
            .try_acquire_lease("git-sync", "b", ttl)
            .await
            .expect("b"),
        None
    );
    // `a` dies without releasing.
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(store.lease_holder("git-sync").await.expect("holder"), None);
    let second = store
        .try_acquire_lease("git-sync", "b", Duration::from_secs(60))
        .await
        .expect("b")
        .expect("expired lease is free");
    assert_eq!(second, first + 1);
    assert_eq!(
        store
            .try_acquire_lease("git-sync", "a", ttl)
            .await
            .expect("a"),
        None,
        "the old holder cannot take it back"
    );
    assert!(!store.release_lease("git-sync", "a").await.expect("release"));
    let holder = store
        .lease_holder("git-sync")
        .await
        .expect("holder")
        .expect("held");
    assert_eq!((holder.holder.as_str(), holder.term), ("b", second));
    assert!(holder.expires > super::now());
}
