//! Benchmark: one SCC admission decision per pod, under the standard SCC set, over the same
//! 100,000 mixed pods as `pss_evaluate` (its builder, reused as a module), by a requesting user
//! granted restricted-v2 only, in the namespace of allocator block 68. Bar 5 of issue 12:
//! ≤ 5 µs per decision on one core.
//!
//! The provider set (the SCCs compiled for the namespace) is built once, as the server holds
//! it; its cost is printed apart. A decision is `ProviderSet::admit`, complete: the SCC chosen
//! and for whom, or the rejection message; the passed-over SCCs with their errors; the audit
//! annotations. Rendering the admitted pod (a copy of the pod, mutated, every change recorded)
//! and its JSONPatch is a separate step for the callers that show or send it
//! (`ProviderSet::render`); one plain pass of `admit_and_render` prints its cost apart.
//!
//! Run on one core: `taskset -c 0 cargo bench -p secctx-core --bench admission`. Per decision
//! = reported time / 100,000; the plain passes also print on-CPU ns per decision, and the
//! group `admission_on_cpu` runs the same decisions under criterion with this thread's on-CPU
//! time as the clock (on a shared machine the wall clock also counts waiting for a core).

use std::hint::black_box;
use std::time::Instant;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secctx_core::admission::authz::UserInfo;
use secctx_core::admission::compiled::{PodRequest, ProviderSet};
use secctx_core::admission::decide::Operation;
use secctx_core::admission::provider::NamespaceInfo;
use secctx_core::admission::standard::{standard_grants, standard_sccs};

// The 100,000-pod builder of the PSS bench; its own criterion entry points go unused here.
#[allow(dead_code)]
#[path = "pss_evaluate.rs"]
mod pss_pods;

use pss_pods::support::on_cpu_ns;

fn namespace() -> NamespaceInfo {
    NamespaceInfo {
        name: "bench".into(),
        annotations: [
            ("openshift.io/sa.scc.uid-range", "1000680000/10000"),
            (
                "openshift.io/sa.scc.supplemental-groups",
                "1000680000/10000",
            ),
            ("openshift.io/sa.scc.mcs", "s0:c26,c15"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    }
}

/// Criterion's clock replaced by this thread's on-CPU time (`schedstat`). On a machine shared
/// with other jobs the wall clock also counts the time the thread waited for a core; the
/// on-CPU time is the one-core cost, and equals the wall time on a quiet machine.
struct OnCpu;

impl Measurement for OnCpu {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        on_cpu_ns().expect("/proc/thread-self/schedstat is readable")
    }

    fn end(&self, start: u64) -> u64 {
        on_cpu_ns().expect("/proc/thread-self/schedstat is readable") - start
    }

    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }

    fn zero(&self) -> u64 {
        0
    }

    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &OnCpuFormatter
    }
}

/// Nanoseconds shown as ns/µs/ms/s of CPU time.
struct OnCpuFormatter;

impl ValueFormatter for OnCpuFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = match typical {
            t if t < 1e3 => (1.0, "ns on-CPU"),
            t if t < 1e6 => (1e-3, "µs on-CPU"),
            t if t < 1e9 => (1e-6, "ms on-CPU"),
            _ => (1e-9, "s on-CPU"),
        };
        for v in values {
            *v *= factor;
        }
        unit
    }

    fn scale_throughputs(
        &self,
        _: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let n = match throughput {
            Throughput::Elements(n)
            | Throughput::Bytes(n)
            | Throughput::BytesDecimal(n)
            | Throughput::Bits(n)
            | Throughput::ElementsAndBytes { elements: n, .. } => *n as f64,
        };
        for v in values {
            *v = n * 1e9 / *v;
        }
        "elem/s on-CPU"
    }

    fn scale_for_machines(&self, _: &mut [f64]) -> &'static str {
        "ns"
    }
}

/// The decisions of the wall-clock group again, measured in on-CPU time.
fn bench_on_cpu(c: &mut Criterion<OnCpu>) {
    let pods = pss_pods::generate();
    let ns = namespace();
    let user = UserInfo {
        name: "bench-user".into(),
        groups: vec!["system:authenticated".into()],
    };
    let grants = standard_grants();
    let set = ProviderSet::new(standard_sccs(), &ns, &grants);
    let mut group = c.benchmark_group("admission_on_cpu");
    group.throughput(Throughput::Elements(pods.len() as u64));
    group.sample_size(10);
    group.bench_function("standard_sccs_100k_pods", |b| {
        b.iter(|| {
            for (m, s) in &pods {
                black_box(set.admit(&PodRequest {
                    operation: Operation::Create,
                    meta: black_box(m),
                    spec: black_box(s),
                    old_meta: None,
                    user: &user,
                }));
            }
        });
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    let pods = pss_pods::generate();
    let ns = namespace();
    let user = UserInfo {
        name: "bench-user".into(),
        groups: vec!["system:authenticated".into()],
    };
    let sccs = standard_sccs();
    let grants = standard_grants();
    let (t, cpu0) = (Instant::now(), on_cpu_ns());
    const SETS: u32 = 1_000;
    for _ in 0..SETS {
        black_box(ProviderSet::new(
            black_box(sccs),
            black_box(&ns),
            black_box(&grants),
        ));
    }
    let cpu = on_cpu_ns().zip(cpu0).map_or("unknown".into(), |(b, a)| {
        format!("{:.0}", (b - a) as f64 / f64::from(SETS))
    });
    eprintln!(
        "provider set for one namespace: wall {:.0} ns; on-CPU {cpu} ns (once per namespace, not per decision)",
        t.elapsed().as_secs_f64() * 1e9 / f64::from(SETS)
    );
    let set = ProviderSet::new(sccs, &ns, &grants);
    let decide = |meta, spec| {
        set.admit(&PodRequest {
            operation: Operation::Create,
            meta,
            spec,
            old_meta: None,
            user: &user,
        })
    };
    let admitted = pods
        .iter()
        .filter(|(m, s)| decide(m, s).denied.is_none())
        .count();
    eprintln!(
        "{} pods: {admitted} admitted, {} denied",
        pods.len(),
        pods.len() - admitted
    );
    for pass in 1..=3 {
        let (t, cpu0) = (Instant::now(), on_cpu_ns());
        for (m, s) in &pods {
            black_box(decide(black_box(m), black_box(s)));
        }
        let n = pods.len() as f64;
        let wall = t.elapsed().as_secs_f64() * 1e9 / n;
        let cpu = on_cpu_ns().zip(cpu0).map_or("unknown".into(), |(b, a)| {
            format!("{:.0}", (b - a) as f64 / n)
        });
        eprintln!(
            "admit_100k_pods: pass {pass}: wall {wall:.0} ns per decision; on-CPU {cpu} ns per decision"
        );
    }
    // Decide, then render the admitted pod and its patch, as `secctx admit` and `/mutate` do.
    let (t, cpu0) = (Instant::now(), on_cpu_ns());
    let mut patched = 0usize;
    for (m, s) in &pods {
        let req = PodRequest {
            operation: Operation::Create,
            meta: m,
            spec: s,
            old_meta: None,
            user: &user,
        };
        let (d, admitted) = set.admit_and_render(black_box(&req));
        patched += usize::from(admitted.is_some_and(|a| !a.patch.is_empty()));
        black_box(d);
    }
    let n = pods.len() as f64;
    let cpu = on_cpu_ns().zip(cpu0).map_or("unknown".into(), |(b, a)| {
        format!("{:.0}", (b - a) as f64 / n)
    });
    eprintln!(
        "admit_and_render_100k_pods ({patched} patches): wall {:.0} ns per pod; on-CPU {cpu} ns per pod (decision, admitted pod and JSONPatch)",
        t.elapsed().as_secs_f64() * 1e9 / n
    );
    let mut group = c.benchmark_group("admission");
    group.throughput(Throughput::Elements(pods.len() as u64));
    group.sample_size(10);
    group.bench_function("standard_sccs_100k_pods", |b| {
        b.iter(|| {
            for (m, s) in &pods {
                black_box(decide(black_box(m), black_box(s)));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_group! {
    name = on_cpu;
    config = Criterion::default().with_measurement(OnCpu);
    targets = bench_on_cpu
}
criterion_main!(benches, on_cpu);
