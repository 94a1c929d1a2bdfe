//! One test per kubelet formula, with the edge cases: 1m, 0.5 cpu, no request, request only,
//! limit only, and every quantity form. Expected values are the kubelet's arithmetic written
//! out (`MilliCPUToShares`, `MilliCPUToQuota`, `Quantity.Value()`).

use k8s_openapi::api::core::v1::PodSpec;
use serde_json::{Value, json};

use super::*;

fn spec(containers: Value) -> PodSpec {
    serde_json::from_value(json!({ "containers": containers })).unwrap()
}

fn one(resources: Value) -> PodSpec {
    spec(json!([{ "name": "a", "resources": resources }]))
}

fn rendered(resources: Value, node: NodeCgroups) -> Value {
    let r = container_resources(&one(resources), ContainerKind::Regular, 0).unwrap();
    serde_json::to_value(r.to_oci(node)).unwrap()
}

const V1_SWAP: NodeCgroups = NodeCgroups {
    v2: false,
    swap: true,
};

#[test]
fn shares_from_the_cpu_request() {
    // 250m × 1024 / 1000 = 256.
    let r = rendered(json!({"requests": {"cpu": "250m"}}), V1_SWAP);
    assert_eq!(r["cpu"], json!({"shares": 256, "period": 100000}));
    // 0.5 cpu = 500m: 512; 1m: 1024/1000 rounds to 1, raised to the minimum 2.
    assert_eq!(
        rendered(json!({"requests": {"cpu": "0.5"}}), V1_SWAP)["cpu"]["shares"],
        512
    );
    assert_eq!(
        rendered(json!({"requests": {"cpu": "1m"}}), V1_SWAP)["cpu"]["shares"],
        2
    );
    // Capped at the kernel's 262144 (256 cpus).
    assert_eq!(
        rendered(json!({"requests": {"cpu": "300"}}), V1_SWAP)["cpu"]["shares"],
        262144
    );
}

#[test]
fn no_request_and_no_limit_is_two_shares_and_no_quota() {
    let r = rendered(json!({}), V1_SWAP);
    assert_eq!(r["cpu"], json!({"shares": 2, "period": 100000}));
    assert_eq!(r.get("memory"), None);
}

#[test]
fn a_limit_without_request_gives_shares_from_the_limit() {
    // The API server defaults the request to the limit; the kubelet does the same.
    let r = rendered(json!({"limits": {"cpu": "1500m"}}), V1_SWAP);
    assert_eq!(
        r["cpu"],
        json!({"shares": 1536, "quota": 150000, "period": 100000})
    );
    let c = container_resources(
        &one(json!({"limits": {"cpu": "1500m"}})),
        ContainerKind::Regular,
        0,
    )
    .unwrap();
    assert!(
        c.cpu_shares.source.contains("defaults to the limit"),
        "{}",
        c.cpu_shares.source
    );
}

#[test]
fn quota_from_the_cpu_limit_with_period_100000() {
    // 0.5 cpu: 500 × 100000 / 1000 = 50000.
    let r = rendered(
        json!({"requests": {"cpu": "100m"}, "limits": {"cpu": "0.5"}}),
        V1_SWAP,
    );
    assert_eq!(
        r["cpu"],
        json!({"shares": 102, "quota": 50000, "period": 100000})
    );
    // 1m: 100 µs, raised to the 1000 µs minimum.
    let r = rendered(json!({"limits": {"cpu": "1m"}}), V1_SWAP);
    assert_eq!(
        r["cpu"],
        json!({"shares": 2, "quota": 1000, "period": 100000})
    );
    // A request only: no quota.
    let r = rendered(json!({"requests": {"cpu": "2"}}), V1_SWAP);
    assert_eq!(r["cpu"], json!({"shares": 2048, "period": 100000}));
}

#[test]
fn memory_limit_in_bytes_from_every_quantity_form() {
    for (q, bytes) in [
        ("128974848", 128_974_848i64),
        ("129e6", 129_000_000),
        ("129M", 129_000_000),
        ("123Mi", 128_974_848),
        ("1Gi", 1_073_741_824),
        ("1e3", 1000),
        ("64Mi", 67_108_864),
    ] {
        let r = rendered(json!({"limits": {"memory": q}}), V1_SWAP);
        // cgroup v1 with a swap controller: swap = limit (the kubelet's NoSwap).
        assert_eq!(r["memory"], json!({"limit": bytes, "swap": bytes}), "{q}");
    }
    let no_swap = NodeCgroups {
        v2: false,
        swap: false,
    };
    let r = rendered(json!({"limits": {"memory": "123Mi"}}), no_swap);
    assert_eq!(r["memory"], json!({"limit": 128_974_848}));
    // A memory request alone sets nothing.
    assert_eq!(
        rendered(json!({"requests": {"memory": "1Gi"}}), V1_SWAP).get("memory"),
        None
    );
}

#[test]
fn cgroup_v2_adds_oom_group_and_no_swap() {
    let v2 = NodeCgroups {
        v2: true,
        swap: true,
    };
    let r = rendered(json!({"limits": {"memory": "64Mi"}}), v2);
    assert_eq!(
        r["unified"],
        json!({"memory.oom.group": "1", "memory.swap.max": "0"})
    );
}

#[test]
fn a_bad_quantity_names_its_field() {
    let e = container_resources(
        &one(json!({"limits": {"memory": "12 Mi"}})),
        ContainerKind::Regular,
        0,
    )
    .unwrap_err();
    assert_eq!(e.field, "spec.containers[0].resources.limits.memory");
}

#[test]
fn pod_cgroup_of_a_guaranteed_pod_sums_the_limits() {
    let s = spec(json!([
        {"name": "a", "resources": {"limits": {"cpu": "500m", "memory": "64Mi"}}},
        {"name": "b", "resources": {"limits": {"cpu": "250m", "memory": "32Mi"}}},
    ]));
    let p = pod_cgroup(&s, "u-1").unwrap();
    assert_eq!(p.qos, QosClass::Guaranteed);
    assert_eq!(p.path, "/kubepods/podu-1");
    assert_eq!(p.cpu_shares, 768);
    assert_eq!(p.cpu_quota, Some(75_000));
    assert_eq!(p.cpu_period, Some(100_000));
    assert_eq!(p.memory_limit, Some(96 << 20));
}

#[test]
fn pod_cgroup_of_a_burstable_pod_limits_only_what_every_container_limits() {
    let s = spec(json!([
        {"name": "a", "resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "1", "memory": "64Mi"}}},
        {"name": "b", "resources": {"requests": {"cpu": "200m"}, "limits": {"memory": "32Mi"}}},
    ]));
    let p = pod_cgroup(&s, "u-2").unwrap();
    assert_eq!(p.qos, QosClass::Burstable);
    assert_eq!(p.path, "/kubepods/burstable/podu-2");
    assert_eq!(p.cpu_shares, 307); // 300m × 1024 / 1000
    assert_eq!(p.cpu_quota, None); // b has no cpu limit
    assert_eq!(p.memory_limit, Some(96 << 20));
}

#[test]
fn pod_cgroup_of_a_best_effort_pod_is_two_shares() {
    let p = pod_cgroup(&spec(json!([{"name": "a"}])), "").unwrap();
    assert_eq!(p.qos, QosClass::BestEffort);
    assert_eq!(p.path, "/kubepods/besteffort/pod<pod-uid>");
    assert_eq!((p.cpu_shares, p.cpu_quota, p.memory_limit), (2, None, None));
}

#[test]
fn init_containers_count_as_the_larger_of_init_and_regular() {
    let s: PodSpec = serde_json::from_value(json!({
        "initContainers": [
            {"name": "sidecar", "restartPolicy": "Always", "resources": {"limits": {"cpu": "100m", "memory": "16Mi"}}},
            {"name": "big-init", "resources": {"limits": {"cpu": "2", "memory": "512Mi"}}},
        ],
        "containers": [
            {"name": "a", "resources": {"limits": {"cpu": "500m", "memory": "64Mi"}}},
        ],
    }))
    .unwrap();
    let p = pod_cgroup(&s, "u").unwrap();
    // Regular + sidecar = 600m / 80Mi; the init container with the sidecar beside it =
    // 2100m / 528Mi: the larger wins.
    assert_eq!(p.cpu_quota, Some(210_000));
    assert_eq!(p.memory_limit, Some(528 << 20));
    assert_eq!(p.cpu_shares, 2150);
}

#[test]
fn overhead_is_added() {
    let s: PodSpec = serde_json::from_value(json!({
        "overhead": {"cpu": "250m", "memory": "120Mi"},
        "containers": [{"name": "a", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}],
    }))
    .unwrap();
    let p = pod_cgroup(&s, "u").unwrap();
    assert_eq!(p.cpu_quota, Some(125_000));
    assert_eq!(p.memory_limit, Some((1 << 30) + (120 << 20)));
}
