//! Benchmark: `restricted:latest` over 100,000 generated pods (upstream Go: ~3 µs per pod).
//!
//! The mix (deterministic): about half passing pods (1–3 containers, volumes, safe sysctls,
//! probes), a quarter failing pods with several violations, a quarter pods with init and
//! ephemeral containers (half of them failing): 62,679 pass, 37,321 fail.
//!
//! Run with `CARGO_TARGET_DIR=... cargo bench -p secctx-core --bench pss_evaluate`. Per pod =
//! reported time / 100,000 (criterion also prints pods/s). `pss/restricted_latest_100k_pods` is
//! the figure of merit; it walks ~1.7 GB of k8s-openapi structs (a `Container` is 2.3 KB, a
//! `Volume` 3.3 KB), so it is dominated by memory latency. `pss_split/cached_*` evaluate the
//! first 128 pods of a set repeatedly: the cost of the evaluation itself.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapVolumeSource, Container, ContainerPort, EmptyDirVolumeSource,
    EphemeralContainer, HTTPGetAction, HostPathVolumeSource, PodSecurityContext, PodSpec, Probe,
    SeccompProfile, SecretVolumeSource, SecurityContext, Sysctl, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use secctx_core::pss::{self, Level, LevelVersion, Version};

pub(crate) mod support;
use support::{Rng, on_cpu_ns};

const PODS: usize = 100_000;

fn restricted_sc() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            add: None,
        }),
        ..SecurityContext::default()
    }
}

fn container(name: String, rng: &mut Rng) -> Container {
    Container {
        name,
        image: Some("registry.k8s.io/pause".into()),
        security_context: Some(restricted_sc()),
        ports: Some(vec![ContainerPort {
            container_port: 8080,
            ..ContainerPort::default()
        }]),
        readiness_probe: (rng.below(2) == 0).then(|| Probe {
            http_get: Some(HTTPGetAction {
                path: Some("/healthz".into()),
                port: IntOrString::Int(8080),
                ..HTTPGetAction::default()
            }),
            ..Probe::default()
        }),
        ..Container::default()
    }
}

fn passing_pod(rng: &mut Rng) -> PodSpec {
    let n = 1 + rng.below(3) as usize;
    PodSpec {
        containers: (0..n).map(|i| container(format!("c{i}"), rng)).collect(),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".into(),
                localhost_profile: None,
            }),
            sysctls: (rng.below(4) == 0).then(|| {
                vec![Sysctl {
                    name: "net.ipv4.ip_local_port_range".into(),
                    value: "1024 65535".into(),
                }]
            }),
            ..PodSecurityContext::default()
        }),
        volumes: Some(vec![
            Volume {
                name: "config".into(),
                config_map: Some(ConfigMapVolumeSource {
                    name: "cfg".into(),
                    ..ConfigMapVolumeSource::default()
                }),
                ..Volume::default()
            },
            Volume {
                name: "tmp".into(),
                empty_dir: Some(EmptyDirVolumeSource::default()),
                ..Volume::default()
            },
            Volume {
                name: "token".into(),
                secret: Some(SecretVolumeSource::default()),
                ..Volume::default()
            },
        ]),
        ..PodSpec::default()
    }
}

/// Several violations: unset securityContext, privileged, added caps, hostPath, hostPort,
/// root user.
fn failing_pod(rng: &mut Rng) -> PodSpec {
    let mut spec = passing_pod(rng);
    spec.containers[0].security_context = None;
    spec.containers.push(Container {
        name: "bad".into(),
        security_context: Some(SecurityContext {
            privileged: Some(true),
            run_as_user: Some(0),
            capabilities: Some(Capabilities {
                add: Some(vec!["NET_ADMIN".into(), "SYS_ADMIN".into()]),
                drop: None,
            }),
            ..SecurityContext::default()
        }),
        ports: Some(vec![ContainerPort {
            container_port: 80,
            host_port: Some(80),
            ..ContainerPort::default()
        }]),
        ..Container::default()
    });
    if let Some(v) = spec.volumes.as_mut() {
        v.push(Volume {
            name: "host".into(),
            host_path: Some(HostPathVolumeSource {
                path: "/var/run".into(),
                type_: None,
            }),
            ..Volume::default()
        });
    }
    spec
}

fn with_init_and_ephemeral(rng: &mut Rng) -> PodSpec {
    let mut spec = passing_pod(rng);
    spec.init_containers = Some(vec![container("init".into(), rng)]);
    let mut debug = EphemeralContainer {
        name: "debugger".into(),
        image: Some("busybox".into()),
        security_context: Some(restricted_sc()),
        ..EphemeralContainer::default()
    };
    if rng.below(2) == 0 {
        // A debugging container that forgot its security context fails several checks.
        debug.security_context = None;
    }
    spec.ephemeral_containers = Some(vec![debug]);
    spec
}

pub(crate) fn generate() -> Vec<(ObjectMeta, PodSpec)> {
    let mut rng = Rng(0x5EC_C7C7);
    (0..PODS)
        .map(|i| {
            let meta = ObjectMeta {
                name: Some(format!("pod-{i}")),
                ..ObjectMeta::default()
            };
            let spec = match rng.below(4) {
                0 | 1 => passing_pod(&mut rng),
                2 => failing_pod(&mut rng),
                _ => with_init_and_ephemeral(&mut rng),
            };
            (meta, spec)
        })
        .collect()
}

/// The first 128 pods of a set.
fn cached<'a>(set: &[&'a (ObjectMeta, PodSpec)]) -> Vec<&'a (ObjectMeta, PodSpec)> {
    set.iter().take(128).copied().collect()
}

fn evaluate_all(set: &[&(ObjectMeta, PodSpec)], lv: LevelVersion) {
    for (meta, spec) in set {
        black_box(pss::evaluate(lv, black_box(meta), black_box(spec)));
    }
}

/// Plain passes over `set`, printed as wall and on-CPU ns per pod. On a shared machine the wall
/// clock also counts time the thread waited for a core; the on-CPU time is the one-core figure.
fn plain_passes(name: &str, set: &[&(ObjectMeta, PodSpec)], lv: LevelVersion, repeat: usize) {
    for pass in 1..=5 {
        let (t, cpu0) = (Instant::now(), on_cpu_ns());
        for _ in 0..repeat {
            evaluate_all(set, lv);
        }
        let pods = (set.len() * repeat) as f64;
        let wall = t.elapsed().as_secs_f64() * 1e9 / pods;
        let cpu = on_cpu_ns().zip(cpu0).map_or("unknown".into(), |(b, a)| {
            format!("{:.0}", (b - a) as f64 / pods)
        });
        eprintln!("{name}: pass {pass}: wall {wall:.0} ns per pod; on-CPU {cpu} ns per pod");
    }
}

fn bench(c: &mut Criterion) {
    let pods = generate();
    let lv = LevelVersion::new(Level::Restricted, Version::Latest);
    // Also builds the registry before anything is measured.
    let (passing, failing): (Vec<_>, Vec<_>) = pods
        .iter()
        .partition(|(m, s)| pss::evaluate(lv, m, s).is_allowed());
    eprintln!(
        "{PODS} pods: {} passing, {} failing restricted:latest",
        passing.len(),
        failing.len()
    );

    let all: Vec<&(ObjectMeta, PodSpec)> = pods.iter().collect();
    plain_passes("restricted_latest_100k_pods", &all, lv, 1);
    plain_passes("cached_failing", &cached(&failing), lv, 200);

    // The figure of merit: every pod once, 100,000 distinct pods (data mostly not in cache).
    let mut group = c.benchmark_group("pss");
    group.throughput(Throughput::Elements(PODS as u64));
    group.sample_size(20);
    group.bench_function("restricted_latest_100k_pods", |b| {
        b.iter(|| {
            for (meta, spec) in &pods {
                black_box(pss::evaluate(lv, black_box(meta), black_box(spec)));
            }
        });
    });
    group.bench_function("restricted_latest_100k_pods_with_message", |b| {
        b.iter(|| {
            for (meta, spec) in &pods {
                let e = pss::evaluate(lv, black_box(meta), black_box(spec));
                black_box(e.enforce_message());
            }
        });
    });
    group.finish();

    // The same, split by outcome; "cached" = the first 128 pods of a set, evaluated repeatedly
    // (data in cache: the cost of the evaluation itself, without memory latency).
    let sets = [
        ("passing", passing.clone()),
        ("failing", failing.clone()),
        ("cached_mix", cached(&all)),
        ("cached_passing", cached(&passing)),
        ("cached_failing", cached(&failing)),
    ];
    let mut group = c.benchmark_group("pss_split");
    group.sample_size(20);
    for (name, set) in &sets {
        group.throughput(Throughput::Elements(set.len() as u64));
        group.bench_function(*name, |b| b.iter(|| evaluate_all(set, lv)));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
