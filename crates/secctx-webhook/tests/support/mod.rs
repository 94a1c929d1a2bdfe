//! A `secctx serve` server in-process on 127.0.0.1:0, with certificates from
//! [`secctx_webhook::cert`] in a temporary directory, and AdmissionReview builders.

#![allow(dead_code)]

pub mod client;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use secctx_webhook::server::{self, App, ServeOptions, TlsFiles};
use secctx_webhook::state::{
    NamespaceLookup, NoLookup, PodLister, SharedState, Snapshot, StaticPods,
};
use secctx_webhook::validate::Psa;
use serde_json::{Value as Json, json};

pub use client::{Client, HttpResponse, tls_config};

/// A running server.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The CA that signed its certificate.
    pub ca_pem: String,
    /// The certificate directory (tls.crt, tls.key).
    pub dir: tempfile::TempDir,
    /// The app (state, metrics).
    pub app: Arc<App>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Server knobs for a test.
pub struct Setup {
    /// State.
    pub snapshot: Snapshot,
    /// Existing pods.
    pub pods: Arc<dyn PodLister>,
    /// Live lookup.
    pub lookup: Arc<dyn NamespaceLookup>,
    /// PSA configuration.
    pub psa: Psa,
    /// Header/handshake timeout.
    pub read_timeout: Duration,
    /// Body timeout.
    pub body_timeout: Duration,
    /// Certificate poll interval.
    pub reload_interval: Duration,
}

impl Default for Setup {
    fn default() -> Setup {
        Setup {
            snapshot: Snapshot {
                synced: true,
                ..Snapshot::default()
            },
            pods: Arc::new(StaticPods::default()),
            lookup: Arc::new(NoLookup),
            psa: Psa::default(),
            read_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            reload_interval: Duration::from_millis(200),
        }
    }
}

/// Writes a fresh CA + serving pair into `dir`; returns the CA PEM.
pub fn write_certs(dir: &std::path::Path) -> String {
    let sans = secctx_webhook::cert::service_sans("secctx-webhook", "secctx-system");
    let b = secctx_webhook::cert::make(&sans, 30, 30).expect("certificates");
    // Written to temporaries and renamed, as a Secret volume swaps its files.
    for (name, text) in [("tls.crt", &b.cert), ("tls.key", &b.key)] {
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, dir.join(name)).unwrap();
    }
    b.ca_cert
}

impl TestServer {
    /// Starts a server with `setup`.
    pub fn start(setup: Setup) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let ca_pem = write_certs(dir.path());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut app = App::new(
            Arc::new(SharedState::new(setup.snapshot)),
            setup.lookup,
            setup.pods,
            setup.psa,
        );
        app.body_timeout = setup.body_timeout;
        let app = Arc::new(app);
        let opts = ServeOptions {
            listener,
            tls: TlsFiles {
                cert: dir.path().join("tls.crt"),
                key: dir.path().join("tls.key"),
            },
            reload_interval: setup.reload_interval,
            handshake_timeout: setup.read_timeout,
            header_timeout: setup.read_timeout,
            shutdown_delay: Duration::ZERO,
            shutdown_grace: Duration::from_secs(10),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = Arc::clone(&app);
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                server::serve(served, opts, async {
                    let _ = stopped.await;
                })
                .await
                .expect("server runs");
            });
        });
        TestServer {
            addr,
            ca_pem,
            dir,
            app,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// A new keep-alive connection.
    pub fn client(&self) -> Client {
        Client::connect(self.addr, &tls_config(&self.ca_pem)).expect("connect")
    }

    /// Begins graceful shutdown and waits for the server to stop.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().expect("server thread");
        }
    }

    /// The certificate directory.
    pub fn cert_dir(&self) -> PathBuf {
        self.dir.path().to_owned()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// What a review is about.
pub struct Target<'a> {
    /// (group, version, resource).
    pub resource: (&'a str, &'a str, &'a str),
    /// The kind.
    pub kind: &'a str,
    /// CREATE, UPDATE, ...
    pub operation: &'a str,
    /// The namespace.
    pub namespace: &'a str,
    /// The name.
    pub name: &'a str,
    /// The subresource, or empty.
    pub sub: &'a str,
}

/// An AdmissionReview request body.
pub fn review(uid: &str, t: &Target, object: &Json, old: Option<&Json>) -> Vec<u8> {
    let (resource, kind, operation, namespace, name) =
        (t.resource, t.kind, t.operation, t.namespace, t.name);
    let sub = t.sub;
    let (group, version, res) = resource;
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": res},
            "requestKind": {"group": group, "version": version, "kind": kind},
            "requestResource": {"group": group, "version": version, "resource": res},
            "subResource": sub,
            "name": name,
            "namespace": namespace,
            "operation": operation,
            "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller",
                         "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"]},
            "object": object,
            "oldObject": old,
            "dryRun": false,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}
        }
    }))
    .unwrap()
}

/// A Pod CREATE review.
pub fn pod_create(uid: &str, namespace: &str, name: &str, pod: &Json) -> Vec<u8> {
    let t = Target {
        resource: ("", "v1", "pods"),
        kind: "Pod",
        operation: "CREATE",
        namespace,
        name,
        sub: "",
    };
    review(uid, &t, pod, None)
}

/// A Namespace object with labels.
pub fn namespace(name: &str, labels: &[(&str, &str)]) -> k8s_openapi::api::core::v1::Namespace {
    let labels: serde_json::Map<String, Json> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Json::String((*v).to_owned())))
        .collect();
    serde_json::from_value(json!({"metadata": {"name": name, "labels": labels}})).unwrap()
}

/// A snapshot holding `namespaces`.
pub fn snapshot(namespaces: Vec<k8s_openapi::api::core::v1::Namespace>) -> Snapshot {
    Snapshot {
        namespaces: namespaces
            .into_iter()
            .map(|n| (n.metadata.name.clone().unwrap_or_default(), Arc::new(n)))
            .collect(),
        synced: true,
        ..Snapshot::default()
    }
}

/// Checks the API-server rules of spec §1.3 on a webhook's answer: HTTP 200, a v1
/// AdmissionReview, `response` present, uid echoed, patch and patchType together (base64),
/// none from `/validate`. Returns `response`.
pub fn check_rules(path: &str, uid: &str, r: &HttpResponse) -> Json {
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(v["kind"], "AdmissionReview");
    let resp = v.get("response").expect("response present").clone();
    assert_eq!(resp["uid"], uid, "uid echoed");
    assert!(resp["allowed"].is_boolean());
    let has_patch = resp.get("patch").is_some();
    let has_type = resp.get("patchType").is_some();
    assert_eq!(has_patch, has_type, "patch and patchType together: {resp}");
    if has_patch {
        assert_eq!(
            path, "/mutate",
            "validating webhook may not return response.patch"
        );
        assert_eq!(resp["patchType"], "JSONPatch");
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(resp["patch"].as_str().expect("patch is a base64 string"))
            .expect("base64");
        let _: json_patch::Patch = serde_json::from_slice(&bytes).expect("a JSON Patch");
    }
    if resp["allowed"] == false {
        let st = &resp["status"];
        assert_eq!(st["status"], "Failure");
        assert!(st["code"].as_u64().is_some_and(|c| c >= 400), "{st}");
    }
    resp
}
