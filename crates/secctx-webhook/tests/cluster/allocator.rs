//! Bar 5 of issue 13: two allocators against the same API state never give two namespaces the
//! same block; only the Lease holder allocates; killing it lets the other take over. Plus the
//! repair and the reservation a stalled leader leaves behind.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use secctx_core::admission::allocation::{
    AllocatorConfig, MCS_ANNOTATION, SUPPLEMENTAL_GROUPS_ANNOTATION, UID_RANGE_ANNOTATION,
};
use secctx_webhook::cluster::allocator::{self, Allocator, AllocatorOptions, Outcome};
use secctx_webhook::cluster::store::{AllocationState, DEFAULT_NAME, Reservation};
use serde_json::{Value, json};

use crate::support::fakeapi::FakeApi;
use crate::support::wait_until;
use crate::watch::namespace;

const NS: &str = "api/v1/namespaces";
const CM: &str = "api/v1/configmaps";
const LEASES: &str = "apis/coordination.k8s.io/v1/leases";
const HOME: &str = "secctx-system";

fn annotated(name: &str, block: u32) -> Value {
    let cfg = AllocatorConfig::default();
    let b = cfg.block(block).to_string();
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "annotations": {
        UID_RANGE_ANNOTATION: b, SUPPLEMENTAL_GROUPS_ANNOTATION: b,
        MCS_ANNOTATION: cfg.label(block).expect("label").to_string(),
    }}})
}

/// Namespace name → its three annotations, for every namespace that has a uid range.
fn allocations(api: &FakeApi) -> BTreeMap<String, (String, String, String)> {
    api.list(NS)
        .into_iter()
        .filter_map(|ns| {
            let a = &ns["metadata"]["annotations"];
            let get = |k: &str| a[k].as_str().map(str::to_string);
            Some((
                ns["metadata"]["name"].as_str()?.to_string(),
                (
                    get(UID_RANGE_ANNOTATION)?,
                    get(SUPPLEMENTAL_GROUPS_ANNOTATION)?,
                    get(MCS_ANNOTATION)?,
                ),
            ))
        })
        .collect()
}

/// Every namespace's block is distinct, its groups equal its uid range, and its MCS label is
/// the block's (the stride-5 co-lex unrank); returns the block indexes.
fn assert_distinct(api: &FakeApi) -> BTreeSet<u32> {
    let cfg = AllocatorConfig::default();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut indexes = BTreeSet::new();
    for (name, (uid, groups, mcs)) in allocations(api) {
        assert_eq!(uid, groups, "{name}");
        if let Some(other) = seen.insert(uid.clone(), name.clone()) {
            panic!("block {uid} given to both {other} and {name}");
        }
        let block = secctx_core::admission::block::Block::parse(&uid).expect("block");
        let i = cfg.index_of(block).expect("a block of the range");
        assert_eq!(mcs, cfg.label(i).expect("label").to_string(), "{name}");
        indexes.insert(i);
    }
    indexes
}

/// The bitmap stored in the state ConfigMap, as block indexes.
fn stored_bits(api: &FakeApi) -> BTreeSet<u32> {
    let cm = api.get(CM, HOME, DEFAULT_NAME).expect("state object");
    let cm: k8s_openapi::api::core::v1::ConfigMap = serde_json::from_value(cm).expect("configmap");
    let st = AllocationState::from_config_map(&cm, &AllocatorConfig::default()).expect("state");
    (0..100_000u32)
        .filter(|i| st.bitmap.get(*i as usize))
        .collect()
}

fn opts(identity: &str) -> AllocatorOptions {
    let mut o = AllocatorOptions::new(HOME, identity);
    o.retry_interval = Duration::from_secs(1);
    o
}

#[tokio::test(start_paused = true)]
async fn two_replicas_one_leader_distinct_blocks_and_takeover() {
    let api = FakeApi::new();
    // Existing allocations (blocks 0 and 2) are repaired into the state, not reused.
    api.create(NS, annotated("kube-system", 0));
    api.create(NS, annotated("openshift-infra", 2));
    for i in 0..6 {
        api.create(NS, namespace(&format!("team-{i}"), json!({})));
    }
    let (ca, _ta) = api.client("pod-a");
    let (cb, _tb) = api.client("pod-b");
    let a = allocator::spawn(ca, opts("pod-a"));
    let b = allocator::spawn(cb, opts("pod-b"));

    wait_until("all eight allocated", Duration::from_secs(60), || {
        allocations(&api).len() == 8
    })
    .await;
    let blocks = assert_distinct(&api);
    // The lowest free blocks, as OpenShift's scan gives them.
    assert_eq!(blocks, BTreeSet::from([0, 1, 2, 3, 4, 5, 6, 7]));
    assert_eq!(stored_bits(&api), blocks);

    let lease = api
        .get(LEASES, HOME, "secctx-scc-allocator")
        .expect("lease");
    let leader = lease["spec"]["holderIdentity"]
        .as_str()
        .expect("holder")
        .to_string();
    let (leader_run, follower_run, follower) = if leader == "pod-a" {
        (&a, &b, "pod-b")
    } else {
        (&b, &a, "pod-a")
    };
    assert!(*leader_run.leading.borrow());
    assert!(!*follower_run.leading.borrow());
    // Only the holder wrote state or namespaces.
    let writers: BTreeSet<String> = api
        .writes()
        .iter()
        .filter(|w| w.resource == NS || w.resource == CM)
        .map(|w| w.conn.clone())
        .collect();
    assert_eq!(writers, BTreeSet::from([leader.clone()]));

    // Kill the holder: its tasks stop and its connection refuses.
    leader_run.kill();
    api.cut(&leader);
    let killed_at = api.writes().len();
    for i in 6..9 {
        api.create(NS, namespace(&format!("team-{i}"), json!({})));
    }
    wait_until("the other replica leads", Duration::from_secs(60), || {
        *follower_run.leading.borrow()
    })
    .await;
    wait_until(
        "the new namespaces allocated",
        Duration::from_secs(60),
        || allocations(&api).len() == 11,
    )
    .await;
    let blocks = assert_distinct(&api);
    assert_eq!(blocks, (0..11).collect::<BTreeSet<u32>>());
    assert_eq!(stored_bits(&api), blocks);
    let later: BTreeSet<String> = api.writes()[killed_at..]
        .iter()
        .filter(|w| (w.resource == NS || w.resource == CM) && w.status < 300)
        .map(|w| w.conn.clone())
        .collect();
    assert_eq!(later, BTreeSet::from([follower.to_string()]));
    let lease = api
        .get(LEASES, HOME, "secctx-scc-allocator")
        .expect("lease");
    assert_eq!(lease["spec"]["holderIdentity"], follower);
    assert_eq!(lease["spec"]["leaseTransitions"], 1);
    follower_run.kill();
}

#[tokio::test(start_paused = true)]
async fn two_writers_without_a_lease_still_never_share_a_block() {
    // Both replicas believe they lead (a split brain the Lease normally prevents): the state's
    // resourceVersion preconditions alone keep blocks distinct.
    let api = FakeApi::new();
    let names: Vec<String> = (0..24).map(|i| format!("ns-{i:02}")).collect();
    for n in &names {
        api.create(NS, namespace(n, json!({})));
    }
    let (ca, _ta) = api.client("pod-a");
    let (cb, _tb) = api.client("pod-b");
    let a = Allocator::new(ca, opts("pod-a"), None);
    let b = Allocator::new(cb, opts("pod-b"), None);
    // A takes the list from the front, B from the back, so they race for the same lowest
    // free block at every step; the middle namespaces are asked of both.
    let front = async {
        let mut out = Vec::new();
        for n in &names {
            out.push(a.allocate(n).await.expect("a"));
        }
        out
    };
    let back = async {
        let mut out = Vec::new();
        for n in names.iter().rev() {
            out.push(b.allocate(n).await.expect("b"));
        }
        out
    };
    let (ra, rb) = tokio::join!(front, back);
    let fresh = ra
        .iter()
        .chain(&rb)
        .filter(|o| matches!(o, Outcome::Allocated { .. }))
        .count();
    assert_eq!(fresh, names.len(), "each namespace allocated exactly once");
    assert_eq!(assert_distinct(&api), (0..24).collect::<BTreeSet<u32>>());
    assert_eq!(stored_bits(&api), (0..24).collect::<BTreeSet<u32>>());
    let conflicts = api.writes().iter().filter(|w| w.status == 409).count();
    assert!(conflicts > 0, "the writers did race");
    println!("{conflicts} writes refused with 409 Conflict");
}

#[tokio::test(start_paused = true)]
async fn repair_frees_orphans_and_completes_a_stalled_reservation() {
    let api = FakeApi::new();
    api.create(NS, annotated("held", 1));
    let stalled = api.create(NS, namespace("stalled", json!({})));
    api.create(NS, namespace("fresh", json!({})));
    // A previous leader reserved block 4 for `stalled` and stopped before annotating it; it
    // also reserved block 3 for a namespace since deleted, and block 0 is taken by nobody.
    let cfg = AllocatorConfig::default();
    let mut st = AllocationState::empty(&cfg);
    for i in [0, 1, 3, 4] {
        st.bitmap.set(i);
    }
    st.pending.insert(
        4,
        Reservation {
            namespace: "stalled".into(),
            uid: stalled["metadata"]["uid"].as_str().expect("uid").into(),
        },
    );
    st.pending.insert(
        3,
        Reservation {
            namespace: "deleted".into(),
            uid: "gone".into(),
        },
    );
    let cm = st.to_config_map(HOME, DEFAULT_NAME, &cfg);
    api.create(CM, serde_json::to_value(&cm).expect("json"));

    let (c, _t) = api.client("pod-a");
    let alloc = Allocator::new(c, opts("pod-a"), None);
    let report = alloc.repair().await.expect("repair");
    assert_eq!((report.held, report.resumed, report.freed), (1, 1, 2));
    // The stalled reservation is completed with its own block, as the old leader would have.
    assert_eq!(allocations(&api)["stalled"].0, cfg.block(4).to_string());
    assert_eq!(stored_bits(&api), BTreeSet::from([1, 4]));
    // The next namespace gets the lowest free block: 0 (freed), never 4.
    let Outcome::Allocated { index, .. } = alloc.allocate("fresh").await.expect("allocate") else {
        panic!("not allocated");
    };
    assert_eq!(index, 0);
    assert_eq!(
        alloc.allocate("fresh").await.expect("again"),
        Outcome::AlreadyAllocated
    );
    assert_eq!(
        alloc.allocate("nope").await.expect("missing"),
        Outcome::Gone
    );
    assert_distinct(&api);
    // Completed reservations leave `pending` at the next state write.
    api.create(NS, namespace("later", json!({})));
    alloc.allocate("later").await.expect("allocate");
    let cm = api.get(CM, HOME, DEFAULT_NAME).expect("state");
    let pending = cm["data"]["pending"].as_str().unwrap_or("{}");
    let pending: BTreeMap<String, Value> = serde_json::from_str(pending).expect("json");
    assert_eq!(
        pending.keys().collect::<Vec<_>>(),
        ["2"],
        "only `later`'s own, just written"
    );
}

#[tokio::test(start_paused = true)]
async fn an_existing_mcs_annotation_is_kept_and_the_range_can_run_out() {
    let api = FakeApi::new();
    api.create(
        NS,
        json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "own-mcs", "annotations": {MCS_ANNOTATION: "s0:c9,c3"}}}),
    );
    api.create(NS, namespace("second", json!({})));
    api.create(NS, namespace("third", json!({})));
    let (c, _t) = api.client("pod-a");
    let mut o = opts("pod-a");
    // A space of two blocks.
    o.config = AllocatorConfig {
        uid_start: 1_000_000_000,
        uid_end: 1_000_019_999,
        block_size: 10_000,
        mcs_per_block: 5,
    };
    let alloc = Allocator::new(c, o, None);
    let Outcome::Allocated { index, annotations } =
        alloc.allocate("own-mcs").await.expect("allocate")
    else {
        panic!("not allocated");
    };
    assert_eq!(index, 0);
    assert_eq!(annotations[MCS_ANNOTATION], "s0:c9,c3");
    assert_eq!(annotations[UID_RANGE_ANNOTATION], "1000000000/10000");
    let Outcome::Allocated { annotations, .. } = alloc.allocate("second").await.expect("allocate")
    else {
        panic!("not allocated");
    };
    assert_eq!(annotations[MCS_ANNOTATION], "s0:c3,c2");
    assert_eq!(
        alloc.allocate("third").await.expect("full"),
        Outcome::Exhausted
    );
    let ns = api.get(NS, "", "third").expect("ns");
    assert!(ns["metadata"]["annotations"].is_null());
}

#[tokio::test(start_paused = true)]
async fn a_stopped_leader_hands_over_within_a_retry_period() {
    let api = FakeApi::new();
    let (ca, _ta) = api.client("pod-a");
    let (cb, _tb) = api.client("pod-b");
    let a = allocator::spawn(ca, opts("pod-a"));
    wait_until("A leads", Duration::from_secs(10), || *a.leading.borrow()).await;
    let b = allocator::spawn(cb, opts("pod-b"));
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert!(!*b.leading.borrow());
    // SIGTERM on A: it stops allocating and releases the Lease; B needs one retry period (2 s)
    // instead of the lease duration (15 s).
    let stopped_at = tokio::time::Instant::now();
    a.stop().await;
    let lease = api
        .get(LEASES, HOME, "secctx-scc-allocator")
        .expect("lease");
    assert!(lease["spec"]["holderIdentity"].is_null(), "{lease}");
    wait_until("B leads", Duration::from_secs(5), || *b.leading.borrow()).await;
    assert!(
        stopped_at.elapsed() <= Duration::from_secs(3),
        "{:?}",
        stopped_at.elapsed()
    );
    api.create(NS, namespace("after-handover", json!({})));
    wait_until("allocated by B", Duration::from_secs(10), || {
        allocations(&api).contains_key("after-handover")
    })
    .await;
    b.kill();
}
