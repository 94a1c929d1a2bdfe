//! Bar 2 of issue 13: for the seed SCC use cases of `examples/admission`, `/mutate` of a
//! running `secctx serve` (same namespaces, SCCs and RBAC as the example's README command)
//! returns the same JSON Patch as `secctx admit -o json`, and every response keeps the API
//! server's rules (spec §1.3/§1.7): uid echoed, `patchType: JSONPatch` with a base64 patch that
//! applies to the submitted pod, and no patch from `/validate` for the same pod.

mod common;
mod serve_support;

use base64::Engine as _;
use common::{repo, secctx};
use k8s_openapi::api::core::v1::Pod;
use secctx_core::load::{self, WorkloadKind};
use serde_json::{Value as Json, json};
use serve_support::{HttpResponse, Served};

/// The README command's arguments after `secctx admit`.
fn readme_args(dir: &str) -> Vec<String> {
    let text = std::fs::read_to_string(
        repo()
            .join("examples/admission")
            .join(dir)
            .join("README.md"),
    )
    .unwrap();
    let cmd = text.split('`').nth(1).expect("a command in backquotes");
    let mut words: Vec<String> = cmd.split_whitespace().map(str::to_string).collect();
    assert_eq!(words.remove(0), "secctx");
    assert_eq!(words.remove(0), "admit");
    words
}

/// The values of `--flag` in `args`.
fn flag(args: &[String], name: &str) -> Vec<String> {
    args.windows(2)
        .filter(|w| w[0] == name)
        .map(|w| w[1].clone())
        .collect()
}

fn decode_patch(review_response: &Json) -> Option<Json> {
    let b64 = review_response
        .get("patch")?
        .as_str()
        .expect("base64 string");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64");
    Some(serde_json::from_slice(&bytes).expect("JSON patch"))
}

fn check_rules(path: &str, uid: &str, r: &HttpResponse) -> Json {
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(v["kind"], "AdmissionReview");
    let resp = v["response"].clone();
    assert_eq!(resp["uid"], uid);
    assert_eq!(resp.get("patch").is_some(), resp.get("patchType").is_some());
    if resp.get("patch").is_some() {
        assert_eq!(path, "/mutate");
        assert_eq!(resp["patchType"], "JSONPatch");
    }
    resp
}

fn review(uid: &str, namespace: &str, name: &str, pod: &Json) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "name": name, "namespace": namespace, "operation": "CREATE",
            "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller",
                         "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"]},
            "object": pod, "oldObject": null, "dryRun": false
        }
    }))
    .unwrap()
}

fn use_case(dir: &str) -> usize {
    let args = readme_args(dir);
    // What `secctx admit -o json` says.
    let out = secctx()
        .arg("admit")
        .args(&args)
        .args(["-o", "json"])
        .output()
        .unwrap();
    let admitted: Vec<Json> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{dir}: admit -o json: {e}: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    // The same state for the server.
    let mut serve_args: Vec<String> = Vec::new();
    let ns_files = flag(&args, "--namespace-file");
    assert_eq!(ns_files.len(), 1, "{dir}: one namespace file");
    serve_args.extend([
        "--namespaces".into(),
        repo().join(&ns_files[0]).display().to_string(),
    ]);
    for s in flag(&args, "--scc") {
        serve_args.extend(["--scc".into(), repo().join(s).display().to_string()]);
    }
    let refs: Vec<&str> = serve_args.iter().map(String::as_str).collect();
    let served = Served::start(&refs);
    let mut client = served.client();
    // The pods, as the loader reads them (the form admit patches); a workload as the pod its
    // controller creates (`generateName: <name>-`, no name: what the mutating phase sees).
    let input = repo().join(&args[0]);
    let text = std::fs::read_to_string(&input).unwrap();
    let loaded = load::load_text(&input.display().to_string(), &text);
    let pods: Vec<_> = loaded.workloads().collect();
    assert!(!pods.is_empty(), "{dir}: pods");
    let mut patched = 0;
    for (i, w) in pods.iter().enumerate() {
        let name = w.name().to_string();
        let ns = w.namespace().unwrap_or("default").to_string();
        let mut meta = w.pod_meta.clone();
        let request_name = if w.kind == WorkloadKind::Pod {
            name.clone()
        } else {
            if meta.name.is_none() && meta.generate_name.is_none() {
                meta.generate_name = Some(format!("{name}-"));
            }
            String::new()
        };
        let mut pod = serde_json::to_value(Pod {
            metadata: meta,
            spec: Some(w.spec.clone()),
            status: None,
        })
        .unwrap();
        pod["apiVersion"] = "v1".into();
        pod["kind"] = "Pod".into();
        let want = admitted
            .iter()
            .find(|a| {
                a["object"]["kind"] == w.kind.as_str() && a["object"]["name"] == name.as_str()
            })
            .unwrap_or_else(|| panic!("{dir}: admit has no result for {name}"));
        let want_resp = &want["review"]["response"];
        let uid = format!("{dir}-{i}");
        let r = client
            .review("/mutate", &review(&uid, &ns, &request_name, &pod))
            .unwrap();
        let got = check_rules("/mutate", &uid, &r);
        assert_eq!(got["allowed"], want_resp["allowed"], "{dir}/{name}: {got}");
        let (got_patch, want_patch) = (decode_patch(&got), decode_patch(want_resp));
        assert_eq!(
            got_patch, want_patch,
            "{dir}/{name}: patch differs from secctx admit -o json"
        );
        if let Some(p) = got_patch {
            patched += 1;
            let patch: json_patch::Patch = serde_json::from_value(p).unwrap();
            let mut applied = pod.clone();
            json_patch::patch(&mut applied, &patch)
                .unwrap_or_else(|e| panic!("{dir}/{name}: patch does not apply: {e}"));
        }
        if want_resp["allowed"] == false {
            assert_eq!(
                got["status"]["message"], want_resp["status"]["message"],
                "{dir}/{name}"
            );
            assert_eq!(got["status"]["code"], 403);
        }
        // /validate never patches.
        let vuid = format!("{uid}-v");
        let r = client
            .review("/validate", &review(&vuid, &ns, &request_name, &pod))
            .unwrap();
        let v = check_rules("/validate", &vuid, &r);
        assert!(v.get("patch").is_none() && v.get("patchType").is_none());
    }
    assert!(
        patched > 0,
        "{dir}: no pod was patched; the comparison would be vacuous"
    );
    pods.len()
}

#[test]
fn use_case_1_mutate_matches_admit() {
    assert_eq!(use_case("1-one-app"), 1);
}

#[test]
fn use_case_2_mutate_matches_admit() {
    assert_eq!(use_case("2-many-apps"), 2);
}

#[test]
fn use_case_3_mutate_matches_admit() {
    assert_eq!(use_case("3-paas"), 2);
}
