//! Benchmark: the lossless editor (`edit::apply`) over a large multi-document stream, the way
//! `fix` uses it on the 100,000-pod file of the check bench (bar 5 of `fix`: ≥ 10 MB/s per core
//! end to end, so the editor's share must be well above that).
//!
//! The stream: `PODS` generated pods in the shape of `crates/secctx-cli/examples/gen_pods.rs`
//! (1–3 containers, probes, volumes; a third hardened, a third with a privileged or root
//! security context, a third with none). Two edit sets: `every_pod` (the restricted remedies on
//! every pod: 2 pod-level and 2 per container, ~11 edits a pod) and `one_in_ten` (the same on
//! every tenth pod: untouched documents are only split and copied).
//!
//! `EDIT_PODS=100000 cargo bench -p secctx-core --bench edit` (default 20,000 pods). The plain
//! passes print MB/s by wall clock and by on-CPU time (the one-core figure).

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secctx_core::edit::{Edit, Op, Seg, apply};
use serde_json::json;

pub(crate) mod support;
use support::{Rng, on_cpu_ns};

fn pod(i: usize, rng: &mut Rng) -> (String, usize) {
    let mut s = format!(
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-{i}\n  namespace: ns-{}\n  labels:\n    app: app-{}\nspec:\n",
        i % 50,
        i % 1000
    );
    let kind = rng.below(3);
    if kind == 0 {
        s.push_str("  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n");
    }
    s.push_str("  containers:\n");
    let n = 1 + rng.below(3) as usize;
    for c in 0..n {
        s.push_str(&format!(
            "  - name: c{c}\n    image: registry.k8s.io/pause:3.9\n    ports:\n    - containerPort: 8080\n"
        ));
        if rng.below(2) == 0 {
            s.push_str(
                "    readinessProbe:\n      httpGet:\n        path: /healthz\n        port: 8080\n",
            );
        }
        match kind {
            0 => s.push_str("    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop: [\"ALL\"]\n"),
            1 => s.push_str("    securityContext:\n      privileged: true\n      runAsUser: 0\n"),
            _ => {}
        }
    }
    s.push_str("  volumes:\n  - name: data\n    emptyDir: {}\n  - name: config\n    configMap:\n      name: cfg\n");
    (s, n)
}

fn key(k: &str) -> Seg {
    Seg::Key(k.into())
}

/// The restricted remedies for one pod with `containers` containers.
fn remedies(document: usize, containers: usize, out: &mut Vec<Edit>) {
    let set = |path: Vec<Seg>, v: serde_json::Value| Edit {
        document,
        path,
        op: Op::Set(v),
    };
    let sc = || vec![key("spec"), key("securityContext")];
    out.push(set([sc(), vec![key("runAsNonRoot")]].concat(), json!(true)));
    out.push(set(
        [sc(), vec![key("seccompProfile"), key("type")]].concat(),
        json!("RuntimeDefault"),
    ));
    for c in 0..containers {
        let csc = || {
            vec![
                key("spec"),
                key("containers"),
                Seg::Index(c),
                key("securityContext"),
            ]
        };
        out.push(set(
            [csc(), vec![key("allowPrivilegeEscalation")]].concat(),
            json!(false),
        ));
        out.push(set(
            [csc(), vec![key("capabilities"), key("drop")]].concat(),
            json!(["ALL"]),
        ));
        out.push(Edit {
            document,
            path: [csc(), vec![key("privileged")]].concat(),
            op: Op::Remove,
        });
    }
}

fn bench(c: &mut Criterion) {
    let pods: usize = std::env::var("EDIT_PODS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut text = String::new();
    let mut every = Vec::new();
    let mut tenth = Vec::new();
    for i in 0..pods {
        let (p, n) = pod(i, &mut rng);
        text.push_str(&p);
        remedies(i, n, &mut every);
        if i % 10 == 0 {
            remedies(i, n, &mut tenth);
        }
    }
    let mb = text.len() as f64 / 1e6;
    eprintln!(
        "edit: {pods} pods, {:.1} MB, {} edits (every pod), {} (one in ten)",
        mb,
        every.len(),
        tenth.len()
    );
    for (name, edits) in [("every_pod", &every), ("one_in_ten", &tenth)] {
        for pass in 1..=2 {
            let (t, cpu0) = (Instant::now(), on_cpu_ns());
            let out = apply(&text, edits).expect("the remedies apply");
            let wall = t.elapsed().as_secs_f64();
            let cpu = on_cpu_ns().zip(cpu0).map(|(b, a)| (b - a) as f64 / 1e9);
            assert!(out.text.len() > text.len());
            eprintln!(
                "edit/{name}: pass {pass}: {:.1} MB/s wall, {} MB/s on-CPU",
                mb / wall,
                cpu.map_or("unknown".into(), |c| format!("{:.1}", mb / c))
            );
        }
    }
    let mut g = c.benchmark_group("edit");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("apply_every_pod", |b| {
        b.iter(|| black_box(apply(&text, &every).expect("applies")))
    });
    g.bench_function("apply_one_in_ten", |b| {
        b.iter(|| black_box(apply(&text, &tenth).expect("applies")))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
