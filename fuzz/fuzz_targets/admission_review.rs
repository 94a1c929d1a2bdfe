//! Arbitrary bytes as an AdmissionReview body: the decoder must answer `Ok` or a
//! `DecodeError`, never panic; a decoded request is then decided by `/validate` and `/mutate`
//! against a fixed snapshot (a restricted namespace, OpenShift's standard SCCs, one existing
//! pod) and the answer encoded, as the server would.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use secctx_webhook::metrics::Metrics;
use secctx_webhook::state::{NoLookup, Snapshot, StaticPods};
use secctx_webhook::validate::{self, Context, Psa};
use secctx_webhook::{files, mutate, review};

struct World {
    rt: tokio::runtime::Runtime,
    snapshot: Snapshot,
    pods: StaticPods,
    metrics: Metrics,
    psa: Psa,
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("secctx-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ns = dir.join("ns.yaml");
        std::fs::write(
            &ns,
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n    pod-security.kubernetes.io/audit: baseline\n    pod-security.kubernetes.io/warn: restricted\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: old\n  namespace: ns\nspec:\n  hostNetwork: true\n  containers:\n  - name: c\n    image: x\n",
        )
        .unwrap();
        let state = files::load(Some(&ns), &[]).unwrap();
        World {
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap(),
            snapshot: state.snapshot,
            pods: state.pods,
            metrics: Metrics::new(),
            psa: Psa::default(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(req) = review::decode(data) else {
        return;
    };
    let w = world();
    let cx = Context {
        req: &req,
        snapshot: &w.snapshot,
        lookup: &NoLookup,
        pods: &w.pods,
        metrics: &w.metrics,
        deadline: None,
    };
    let (v, m) = w.rt.block_on(async {
        (validate::validate(&w.psa, &cx).await, mutate::mutate(&cx).await)
    });
    let _ = review::encode(&v);
    let _ = review::encode(&m);
});
