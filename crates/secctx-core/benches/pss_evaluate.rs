//! Benchmark: `restricted:latest` over 100,000 generated pods (upstream Go: ~3 µs per pod).
//!
//! The mix (deterministic): about half passing pods (1–3 containers, volumes, safe sysctls,
//! probes), a quarter failing pods with several violations, a quarter pods with init and
//! ephemeral containers (passing or failing). Run with
//! `cargo bench -p secctx-core --bench pss_evaluate`; the `per pod` figure is the reported
//! time divided by 100,000 (criterion also prints the throughput in pods/s).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapVolumeSource, Container, ContainerPort, EmptyDirVolumeSource,
    EphemeralContainer, HTTPGetAction, HostPathVolumeSource, PodSecurityContext, PodSpec, Probe,
    SeccompProfile, SecretVolumeSource, SecurityContext, Sysctl, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use secctx_core::pss::{self, Level, LevelVersion, Version};

const PODS: usize = 100_000;

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

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

fn generate() -> Vec<(ObjectMeta, PodSpec)> {
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

fn bench(c: &mut Criterion) {
    let pods = generate();
    let lv = LevelVersion::new(Level::Restricted, Version::Latest);
    // Build the registry before measuring.
    let failing = pods
        .iter()
        .filter(|(m, s)| !pss::evaluate(lv, m, s).is_allowed())
        .count();
    eprintln!("{PODS} pods, {failing} failing restricted:latest");

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
    group.bench_function("restricted_latest_100k_pods_with_detail", |b| {
        b.iter(|| {
            for (meta, spec) in &pods {
                let e = pss::evaluate(lv, black_box(meta), black_box(spec));
                black_box(e.enforce_message());
            }
        });
    });
    group.finish();

    // The two paths separately, per pod.
    let (passing, failing): (Vec<_>, Vec<_>) = pods
        .iter()
        .partition(|(m, s)| pss::evaluate(lv, m, s).is_allowed());
    let mut group = c.benchmark_group("pss_split");
    let hot_passing: Vec<_> = passing.iter().take(64).copied().collect();
    let hot_failing: Vec<_> = failing.iter().take(64).copied().collect();
    for (name, set) in [
        ("passing", &passing),
        ("failing", &failing),
        ("hot_passing", &hot_passing),
        ("hot_failing", &hot_failing),
    ] {
        group.throughput(Throughput::Elements(set.len() as u64));
        group.sample_size(20);
        group.bench_function(name, |b| {
            b.iter(|| {
                for (meta, spec) in set.iter() {
                    black_box(pss::evaluate(lv, black_box(meta), black_box(spec)));
                }
            });
        });
    }
    group.finish();
    let mut group = c.benchmark_group("proto");
    for (name, set) in [("fused_passing", &passing), ("fused_hot", &hot_passing)] {
        group.throughput(Throughput::Elements(set.len() as u64));
        group.sample_size(20);
        group.bench_function(name, |b| {
            b.iter(|| {
                for (meta, spec) in set.iter() {
                    black_box(fused(black_box(meta), black_box(spec)));
                }
            });
        });
    }
    group.finish();
}

fn sc_ok(sc: Option<&SecurityContext>) -> bool {
    let Some(sc) = sc else { return false };
    sc.allow_privilege_escalation == Some(false)
        && sc.privileged != Some(true)
        && sc.proc_mount.as_deref().is_none_or(|p| p == "Default")
        && sc.run_as_non_root != Some(false)
        && sc.run_as_user != Some(0)
        && sc.se_linux_options.is_none()
        && sc
            .seccomp_profile
            .as_ref()
            .is_none_or(|p| p.type_ == "RuntimeDefault" || p.type_ == "Localhost")
        && sc
            .windows_options
            .as_ref()
            .is_none_or(|w| w.host_process != Some(true))
        && sc
            .app_armor_profile
            .as_ref()
            .is_none_or(|p| p.type_ == "RuntimeDefault" || p.type_ == "Localhost")
        && sc.capabilities.as_ref().is_some_and(|c| {
            c.drop
                .as_deref()
                .is_some_and(|d| d.iter().any(|x| x == "ALL"))
                && c.add
                    .as_deref()
                    .is_none_or(|a| a.iter().all(|x| x == "NET_BIND_SERVICE"))
        })
}

fn probe_ok(p: &Option<Probe>) -> bool {
    p.as_ref().is_none_or(|p| {
        p.http_get
            .as_ref()
            .is_none_or(|h| h.host.as_deref().is_none_or(str::is_empty))
            && p.tcp_socket
                .as_ref()
                .is_none_or(|h| h.host.as_deref().is_none_or(str::is_empty))
    })
}

fn c_ok(c: &Container) -> bool {
    sc_ok(c.security_context.as_ref())
        && c.ports
            .as_deref()
            .is_none_or(|ps| ps.iter().all(|p| p.host_port.unwrap_or(0) == 0))
        && probe_ok(&c.liveness_probe)
        && probe_ok(&c.readiness_probe)
        && probe_ok(&c.startup_probe)
        && c.lifecycle.is_none()
}

fn fused(meta: &ObjectMeta, spec: &PodSpec) -> bool {
    meta.annotations.is_none()
        && spec.host_network != Some(true)
        && spec.host_pid != Some(true)
        && spec.host_ipc != Some(true)
        && spec.security_context.as_ref().is_some_and(|sc| {
            sc.run_as_non_root == Some(true)
                && sc.run_as_user != Some(0)
                && sc
                    .seccomp_profile
                    .as_ref()
                    .is_some_and(|p| p.type_ == "RuntimeDefault")
                && sc.se_linux_options.is_none()
                && sc.windows_options.is_none()
                && sc.app_armor_profile.is_none()
                && sc
                    .sysctls
                    .as_deref()
                    .is_none_or(|s| s.iter().all(|s| s.name == "net.ipv4.ip_local_port_range"))
        })
        && spec.containers.iter().all(c_ok)
        && spec
            .init_containers
            .as_deref()
            .is_none_or(|cs| cs.iter().all(c_ok))
        && spec.ephemeral_containers.is_none()
        && spec.volumes.as_deref().is_none_or(|vs| {
            vs.iter()
                .all(|v| v.config_map.is_some() || v.empty_dir.is_some() || v.secret.is_some())
        })
}

criterion_group!(benches, bench);
criterion_main!(benches);
