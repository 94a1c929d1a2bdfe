//! Leader election over a Lease: acquire when absent, renew, stay out while another holds it,
//! take over once it has not changed for a lease duration, and exactly one winner of a race.

use std::time::Duration;

use secctx_webhook::cluster::lease::{self, Elector, LeaseConfig};

use crate::support::fakeapi::FakeApi;
use crate::support::wait_until;

const LEASES: &str = "apis/coordination.k8s.io/v1/leases";

fn cfg(identity: &str) -> LeaseConfig {
    LeaseConfig::new("secctx-system", "secctx-scc-allocator", identity)
}

fn holder(api: &FakeApi) -> (String, i64, String) {
    let lease = api
        .get(LEASES, "secctx-system", "secctx-scc-allocator")
        .expect("lease");
    (
        lease["spec"]["holderIdentity"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        lease["spec"]["leaseTransitions"].as_i64().unwrap_or(-1),
        lease["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[tokio::test(start_paused = true)]
async fn acquire_renew_wait_and_take_over() {
    let api = FakeApi::new();
    let (ca, _a) = api.client("pod-a");
    let (cb, _b) = api.client("pod-b");
    let mut a = Elector::new(ca, cfg("pod-a"));
    let mut b = Elector::new(cb, cfg("pod-b"));

    // No lease: A creates it and leads.
    assert!(a.try_acquire_or_renew().await.expect("acquire"));
    let (who, transitions, rv1) = holder(&api);
    assert_eq!((who.as_str(), transitions), ("pod-a", 0));
    let lease = api
        .get(LEASES, "secctx-system", "secctx-scc-allocator")
        .expect("lease");
    assert_eq!(lease["spec"]["leaseDurationSeconds"], 15);
    assert!(
        lease["spec"]["renewTime"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );

    // B sees it held and stays out.
    assert!(!b.try_acquire_or_renew().await.expect("check"));
    // A renews: same holder, a new resourceVersion, no transition.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(a.try_acquire_or_renew().await.expect("renew"));
    let (who, transitions, rv2) = holder(&api);
    assert_eq!((who.as_str(), transitions), ("pod-a", 0));
    assert_ne!(rv1, rv2);

    // B first saw the renewed lease now; 14 s later it is not expired in B's eyes yet.
    assert!(!b.try_acquire_or_renew().await.expect("check"));
    tokio::time::sleep(Duration::from_secs(14)).await;
    assert!(!b.try_acquire_or_renew().await.expect("check"));
    // A is gone (no more renewals); past 15 s since B saw the last change, B takes over.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(b.try_acquire_or_renew().await.expect("take over"));
    let (who, transitions, _) = holder(&api);
    assert_eq!((who.as_str(), transitions), ("pod-b", 1));
    // A, back, finds B holding a freshly changed lease.
    assert!(!a.try_acquire_or_renew().await.expect("check"));

    // B releases: A may take it at once.
    b.release().await.expect("release");
    assert_eq!(holder(&api).0, "");
    assert!(a.try_acquire_or_renew().await.expect("acquire released"));
    let (who, transitions, _) = holder(&api);
    assert_eq!((who.as_str(), transitions), ("pod-a", 2));
}

#[tokio::test(start_paused = true)]
async fn a_race_for_an_expired_lease_has_one_winner() {
    let api = FakeApi::new();
    let (c0, _c0) = api.client("pod-0");
    let mut first = Elector::new(c0, cfg("pod-0"));
    assert!(first.try_acquire_or_renew().await.expect("acquire"));
    let mut racers = Vec::new();
    for i in 1..=3 {
        let (c, _) = api.client(&format!("pod-{i}"));
        let mut e = Elector::new(c, cfg(&format!("pod-{i}")));
        assert!(!e.try_acquire_or_renew().await.expect("observe"));
        racers.push(e);
    }
    tokio::time::sleep(Duration::from_secs(16)).await;
    let [r1, r2, r3] = &mut racers[..] else {
        unreachable!()
    };
    let (w1, w2, w3) = tokio::join!(
        r1.try_acquire_or_renew(),
        r2.try_acquire_or_renew(),
        r3.try_acquire_or_renew()
    );
    let wins = [w1.expect("1"), w2.expect("2"), w3.expect("3")];
    assert_eq!(wins.iter().filter(|w| **w).count(), 1, "{wins:?}");
    let conflicts = api
        .writes()
        .iter()
        .filter(|w| w.resource == LEASES && w.status == 409)
        .count();
    assert_eq!(
        conflicts, 2,
        "the two losers were refused by resourceVersion"
    );
    let (who, transitions, _) = holder(&api);
    let winner = wins.iter().position(|w| *w).expect("winner") + 1;
    assert_eq!(who, format!("pod-{winner}"));
    assert_eq!(transitions, 1);
}

#[tokio::test(start_paused = true)]
async fn spawned_election_steps_down_when_it_cannot_renew() {
    let api = FakeApi::new();
    let (ca, _a) = api.client("pod-a");
    let (cb, _b) = api.client("pod-b");
    let a = lease::spawn(Elector::new(ca, cfg("pod-a")));
    let a_leads = a.leading.clone();
    wait_until("A leads", Duration::from_secs(5), || *a_leads.borrow()).await;
    let b = lease::spawn(Elector::new(cb, cfg("pod-b")));
    let b_leads = b.leading.clone();
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert!(*a_leads.borrow() && !*b_leads.borrow(), "A keeps renewing");

    // A's API server connection hangs: A must stop leading within the renew deadline (10 s),
    // before B may take over (15 s after B last saw the lease change).
    api.hang("pod-a");
    let cut_at = tokio::time::Instant::now();
    wait_until("A steps down", Duration::from_secs(15), || {
        !*a_leads.borrow()
    })
    .await;
    let stepped_down = cut_at.elapsed();
    wait_until("B takes over", Duration::from_secs(30), || {
        *b_leads.borrow()
    })
    .await;
    let took_over = cut_at.elapsed();
    assert!(
        stepped_down < took_over,
        "{stepped_down:?} vs {took_over:?}"
    );
    assert!(stepped_down <= Duration::from_secs(13), "{stepped_down:?}");
    assert_eq!(holder(&api).0, "pod-b");
    a.task.abort();
    b.stop().await;
    assert_eq!(holder(&api).0, "", "B released the lease on stop");
}
