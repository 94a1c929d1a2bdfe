//! Benchmark: effective-context resolution of 100,000 generated pods of mixed kinds (Pod,
//! Deployment, StatefulSet, DaemonSet, Job, CronJob) with varied security contexts, 1–3
//! containers and up to 2 init containers. Goal: ≤ 2 µs per container on one core.
//!
//! The manifests are generated as YAML text and loaded with `load::load_text` once, outside the
//! timing; the timed loop calls `resolve::resolve_pod` for every workload. A third of the image
//! references have image data (`/etc/passwd`, `/etc/group`), so the image paths of the identity
//! resolution are exercised too.
//!
//! Run with `cargo bench -p secctx-core --bench resolve`. The figure of merit is printed before
//! criterion's own output: `resolve: N containers in M pods; µs per container = time / N`.
//! criterion also reports elements (containers) per second.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use secctx_core::image::ImageInfo;
use secctx_core::load::load_text;
use secctx_core::resolve::{NodeConfig, resolve_pod};

#[path = "../tests/image_support/mod.rs"]
mod image_support;
mod support;
use support::{Rng, on_cpu_ns};

const PODS: usize = 100_000;
const CHUNK: usize = 2_000;

const IMAGES: [&str; 6] = [
    "busybox:1.28",
    "nginx:1.27",
    "registry.k8s.io/pause:3.10",
    "app:withuser",
    "gcr.io/google-samples/hello-app:2.0",
    "ghcr.io/example/api:v3",
];

const CAPS: [&str; 10] = [
    "NET_ADMIN",
    "net_bind_service",
    "SYS_ADMIN",
    "CHOWN",
    "all",
    "ALL",
    "SYS_TIME",
    "CAP_SYS_PTRACE",
    "NET_RAW",
    "BPF",
];

/// A container security context in flow style, indented for a list item; empty for none.
fn container_sc(rng: &mut Rng) -> String {
    let mut f = Vec::new();
    match rng.below(8) {
        0 => return String::new(),
        1 => {
            f.push("privileged: true".to_string());
        }
        2 => {
            f.push("allowPrivilegeEscalation: false".into());
            f.push("capabilities: {drop: [ALL]}".into());
            f.push("runAsNonRoot: true".into());
            f.push("seccompProfile: {type: RuntimeDefault}".into());
        }
        _ => {
            if rng.below(2) == 0 {
                f.push(format!("runAsUser: {}", rng.below(3) * 1000));
            }
            if rng.below(3) == 0 {
                f.push(format!("runAsGroup: {}", 1000 + rng.below(3)));
            }
            if rng.below(3) == 0 {
                f.push(format!("allowPrivilegeEscalation: {}", rng.below(2) == 0));
            }
            if rng.below(2) == 0 {
                let add: Vec<&str> = (0..rng.below(3)).map(|_| rng.pick(&CAPS)).collect();
                let drop: Vec<&str> = (0..rng.below(3)).map(|_| rng.pick(&CAPS)).collect();
                f.push(format!(
                    "capabilities: {{add: [{}], drop: [{}]}}",
                    add.join(", "),
                    drop.join(", ")
                ));
            }
            if rng.below(4) == 0 {
                f.push("readOnlyRootFilesystem: true".into());
            }
            if rng.below(5) == 0 {
                f.push("procMount: Unmasked".into());
            }
            if rng.below(4) == 0 {
                f.push("runAsNonRoot: true".into());
            }
            if rng.below(6) == 0 {
                f.push("seLinuxOptions: {type: spc_t, level: \"s0:c1,c2\"}".to_string());
            }
            if rng.below(6) == 0 {
                f.push("appArmorProfile: {type: Localhost, localhostProfile: k8s-x}".into());
            }
            if rng.below(6) == 0 {
                f.push("seccompProfile: {type: Localhost, localhostProfile: p.json}".into());
            }
        }
    }
    format!(", securityContext: {{{}}}", f.join(", "))
}

fn pod_sc(rng: &mut Rng) -> String {
    let mut f = Vec::new();
    if rng.below(2) == 0 {
        f.push(format!("runAsUser: {}", 1000 + rng.below(2)));
    }
    if rng.below(2) == 0 {
        f.push(format!("runAsGroup: {}", 3000 + rng.below(2)));
    }
    if rng.below(2) == 0 {
        f.push(format!("fsGroup: {}", 2000 + rng.below(3)));
    }
    if rng.below(3) == 0 {
        f.push(format!(
            "supplementalGroups: [{}, {}, 4000]",
            rng.below(5000),
            rng.below(5000)
        ));
    }
    if rng.below(4) == 0 {
        f.push("supplementalGroupsPolicy: Strict".into());
    }
    if rng.below(3) == 0 {
        f.push("seccompProfile: {type: RuntimeDefault}".into());
    }
    if rng.below(5) == 0 {
        f.push("runAsNonRoot: true".into());
    }
    if rng.below(6) == 0 {
        f.push("sysctls: [{name: kernel.shm_rmid_forced, value: \"1\"}]".into());
    }
    if rng.below(8) == 0 {
        f.push("seLinuxOptions: {level: \"s0:c3,c4\"}".into());
    }
    format!("{{{}}}", f.join(", "))
}

/// A pod spec at `indent` spaces.
fn spec(rng: &mut Rng, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut s = String::new();
    let _ = writeln!(s, "{pad}securityContext: {}", pod_sc(rng));
    if rng.below(10) == 0 {
        let _ = writeln!(s, "{pad}hostNetwork: true");
    }
    if rng.below(10) == 0 {
        let _ = writeln!(s, "{pad}hostUsers: false");
    }
    if rng.below(3) == 0 {
        let _ = writeln!(
            s,
            "{pad}volumes: [{{name: data, emptyDir: {{}}}}, {{name: cfg, configMap: {{name: c, defaultMode: 0644}}}}]"
        );
    }
    for (list, n) in [
        ("initContainers", rng.below(3)),
        ("containers", 1 + rng.below(3)),
    ] {
        if n == 0 {
            continue;
        }
        let _ = writeln!(s, "{pad}{list}:");
        for i in 0..n {
            let image = rng.pick(&IMAGES);
            let sc = container_sc(rng);
            let _ = writeln!(s, "{pad}- {{name: c{i}, image: \"{image}\"{sc}}}");
        }
    }
    s
}

fn manifest(i: usize, rng: &mut Rng) -> String {
    let meta = format!("metadata: {{name: w{i}, namespace: ns{}}}\n", i % 7);
    match i % 6 {
        0 => format!("apiVersion: v1\nkind: Pod\n{meta}spec:\n{}", spec(rng, 2)),
        1..=3 => {
            let kind = ["Deployment", "StatefulSet", "DaemonSet"][i % 6 - 1];
            format!(
                "apiVersion: apps/v1\nkind: {kind}\n{meta}spec:\n  selector: {{matchLabels: {{a: b}}}}\n  template:\n    metadata: {{labels: {{a: b}}, annotations: {{container.apparmor.security.beta.kubernetes.io/c0: runtime/default}}}}\n    spec:\n{}",
                spec(rng, 6)
            )
        }
        4 => format!(
            "apiVersion: batch/v1\nkind: Job\n{meta}spec:\n  template:\n    spec:\n      restartPolicy: Never\n{}",
            spec(rng, 6)
        ),
        _ => format!(
            "apiVersion: batch/v1\nkind: CronJob\n{meta}spec:\n  schedule: \"*/5 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n{}",
            spec(rng, 10)
        ),
    }
}

/// The pods, loaded from generated YAML in chunks (the document trees are dropped).
fn pods() -> Vec<(ObjectMeta, PodSpec)> {
    let mut rng = Rng(0x5EC_C7C7);
    let mut out = Vec::with_capacity(PODS);
    let mut i = 0;
    while i < PODS {
        let mut text = String::new();
        for _ in 0..CHUNK.min(PODS - i) {
            text.push_str("---\n");
            text.push_str(&manifest(i, &mut rng));
            i += 1;
        }
        let loaded = load_text("bench.yaml", &text);
        assert!(loaded.errors.is_empty(), "{:?}", &loaded.errors[..1]);
        out.extend(
            loaded
                .workloads()
                .map(|w| (w.pod_meta.clone(), w.spec.clone())),
        );
    }
    assert_eq!(out.len(), PODS);
    out
}

const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\n\
daemon:x:1:1::/:/bin/false\n\
app:x:1000:1000::/home/app:/bin/sh\n\
nobody:x:65534:65534::/:/bin/false\n";

const GROUP: &str =
    "root:x:0:\ndaemon:x:1:app\napp:x:1000:\nwheel:x:10:root,app\nnogroup:x:65534:\n";

fn image(user: &str) -> ImageInfo {
    image_support::image("bench", user, PASSWD, GROUP)
}

fn bench(c: &mut Criterion) {
    let t = Instant::now();
    let pods = pods();
    let containers: usize = pods
        .iter()
        .map(|(_, s)| s.containers.len() + s.init_containers.as_ref().map_or(0, Vec::len))
        .sum();
    eprintln!(
        "resolve: {containers} containers in {} pods (generated and loaded in {:.1?}, not timed)",
        pods.len(),
        t.elapsed()
    );
    let busybox = image("");
    let withuser = image("app");
    let numeric = image("1000:1000");
    let images = |name: &str| -> Option<&ImageInfo> {
        match name {
            "busybox:1.28" => Some(&busybox),
            "app:withuser" => Some(&withuser),
            "gcr.io/google-samples/hello-app:2.0" => Some(&numeric),
            _ => None,
        }
    };
    let node = NodeConfig::default();

    // Plain passes, for the figure of merit without criterion's bookkeeping. On a shared
    // machine the wall clock also counts time the thread waited for a core, so the time the
    // thread actually ran (`/proc/thread-self/schedstat`) is printed too: that is the
    // one-core figure.
    for pass in 1..=3 {
        let (t, cpu0) = (Instant::now(), on_cpu_ns());
        let mut n = 0;
        for (meta, spec) in &pods {
            n += black_box(resolve_pod(meta, spec, &images, &node))
                .containers
                .len();
        }
        let wall = t.elapsed().as_secs_f64() * 1e9;
        let cpu = on_cpu_ns().zip(cpu0).map(|(b, a)| b - a);
        assert_eq!(n, containers);
        let per = |ns: f64| ns / 1e3 / containers as f64;
        eprintln!(
            "resolve: pass {pass}: wall {:.3} µs per container; on-CPU {} µs per container",
            per(wall),
            cpu.map_or("unknown".into(), |c| format!("{:.3}", per(c as f64)))
        );
    }

    let mut g = c.benchmark_group("resolve");
    g.sample_size(10);
    g.throughput(Throughput::Elements(containers as u64));
    g.bench_function("resolve_pod_100k_mixed", |b| {
        b.iter(|| {
            let mut n = 0;
            for (meta, spec) in &pods {
                n += black_box(resolve_pod(meta, spec, &images, &node))
                    .containers
                    .len();
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
