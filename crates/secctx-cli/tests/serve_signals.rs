//! `secctx serve` as a process: SIGTERM under load (bar 4: every accepted request answered),
//! JSON logs, and the command line (missing certificate flags, `serve cert`).

mod common;
mod serve_support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::secctx;
use serde_json::{Value as Json, json};
use serve_support::{Client, Served, tls_config};

fn review(uid: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "name": "p", "namespace": "team", "operation": "CREATE",
            "userInfo": {"username": "u"},
            "object": {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x", "securityContext": {"privileged": true}}]}},
            "dryRun": false
        }
    }))
    .unwrap()
}

#[derive(Debug)]
enum Outcome {
    Answered(String),
    Failed(Duration, String),
}

#[test]
fn sigterm_under_load_answers_every_accepted_request() {
    let dir = tempfile::tempdir().unwrap();
    let ns = dir.path().join("ns.yaml");
    std::fs::write(
        &ns,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n",
    )
    .unwrap();
    let served = Served::start(&[
        "--namespaces",
        ns.to_str().unwrap(),
        "--shutdown-delay",
        "1s",
        "--shutdown-grace",
        "10s",
        "--log-format",
        "json",
        "--log-level",
        "secctx_webhook=debug,info",
    ]);
    let start = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    for w in 0..4 {
        let (addr, ca) = (served.addr, served.ca_pem.clone());
        let (stop, outcomes) = (Arc::clone(&stop), Arc::clone(&outcomes));
        workers.push(std::thread::spawn(move || {
            let config = tls_config(&ca);
            let mut i = 0;
            'conn: while !stop.load(Ordering::Relaxed) {
                let Ok(mut c) = Client::connect(addr, &config) else {
                    // Listener closed: the server is going away.
                    break;
                };
                while !stop.load(Ordering::Relaxed) {
                    let uid = format!("w{w}-{i}");
                    i += 1;
                    match c.review("/validate", &review(&uid)) {
                        Ok(r) => {
                            assert_eq!(r.status, 200, "{}", r.text());
                            let v = r.json();
                            assert_eq!(v["response"]["uid"], uid.as_str(), "uid echoed");
                            assert_eq!(v["response"]["allowed"], false);
                            outcomes.lock().unwrap().push(Outcome::Answered(uid));
                        }
                        Err(e) => {
                            outcomes
                                .lock()
                                .unwrap()
                                .push(Outcome::Failed(start.elapsed(), format!("{uid}: {e}")));
                            continue 'conn;
                        }
                    }
                }
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(800));
    let signalled = start.elapsed();
    served.sigterm();
    // During the delay: still serving, but not ready.
    std::thread::sleep(Duration::from_millis(300));
    let ready = served
        .client()
        .request("GET", "/readyz", None, b"")
        .unwrap()
        .status;
    assert_eq!(ready, 503, "not ready once SIGTERM arrived");
    let mut served = served;
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = served.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "did not exit after SIGTERM: {}",
            served.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().expect("worker");
    }
    assert!(status.success(), "exit status {status:?}: {}", served.log());
    let outcomes = outcomes.lock().unwrap();
    let answered: BTreeSet<&str> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Answered(u) => Some(u.as_str()),
            Outcome::Failed(..) => None,
        })
        .collect();
    assert!(
        answered.len() > 20,
        "load too light: {} answered",
        answered.len()
    );
    // Failures only once the listener closed (after the 1 s delay), never during it.
    for o in outcomes.iter() {
        if let Outcome::Failed(at, what) = o {
            assert!(
                *at >= signalled + Duration::from_millis(900),
                "request failed {:?} after SIGTERM, inside the delay: {what}",
                at.saturating_sub(signalled)
            );
        }
    }
    // Every request the server decided (its JSON debug log) reached its client.
    let log = served.log();
    let mut decided = 0;
    for line in log.lines() {
        let Ok(v) = serde_json::from_str::<Json>(line) else {
            panic!("not a JSON log line: {line}");
        };
        if v["message"] == "admission" {
            decided += 1;
            let uid = v["uid"].as_str().unwrap();
            assert!(
                answered.contains(uid),
                "decided {uid} but the client never got the answer"
            );
        }
    }
    assert_eq!(decided, answered.len(), "every answer was decided once");
    assert!(log.contains("server stopped"), "{log}");
}

#[test]
fn missing_certificate_flags_exit_2() {
    let out = secctx().arg("serve").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--tls-cert-file and --tls-private-key-file are required"),
        "{err}"
    );
}

#[test]
fn serve_cert_writes_the_service_sans_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let out = secctx()
        .args([
            "serve",
            "cert",
            "--service",
            "hook",
            "-n",
            "sec",
            "--dns-name",
            "hook.example",
            "--out-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "SANs: hook, hook.sec, hook.sec.svc, hook.sec.svc.cluster.local, hook.example"
        ),
        "{err}"
    );
    for f in ["ca.crt", "ca.key", "tls.crt", "tls.key"] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join("tls.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let again = secctx()
        .args(["serve", "cert", "--out-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(2),
        "existing files are not replaced"
    );
}
