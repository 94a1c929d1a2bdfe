//! Benchmark: one SCC admission decision per pod, under the standard SCC set, over the same
//! 100,000 mixed pods as `pss_evaluate` (its builder, reused as a module), by a requesting user
//! granted restricted-v2 only, in the namespace of allocator block 68. Bar 5 of issue 12:
//! ≤ 5 µs per decision on one core.
//!
//! The provider set (the SCCs compiled for the namespace) is built once, as the server holds
//! it; its cost is printed apart. A decision is complete: the admitted pod (copied and mutated,
//! every change recorded) or the rejection message, the passed-over SCCs with their errors,
//! and the audit annotations.
//!
//! Run on one core: `taskset -c 0 cargo bench -p secctx-core --bench admission`. Per decision
//! = reported time / 100,000; the plain passes also print on-CPU ns per decision.

use std::hint::black_box;
use std::time::Instant;

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
criterion_main!(benches);
