//! An in-memory API server with the behaviour the cluster code depends on, served to kube-rs
//! clients through `tower_test::mock::pair` (kube-rs's own mock-service pattern):
//!
//! - one resourceVersion counter for everything, bumped by every write (etcd's revision);
//! - LIST answers `{"metadata":{"resourceVersion":..},"items":[..]}`, all namespaces when the
//!   path has none;
//! - `?watch=true&resourceVersion=N` streams `{"type":"ADDED|MODIFIED|DELETED","object":..}`
//!   lines for every change after N, then live ones, on a response that stays open;
//! - GET of a missing object: `404 NotFound` Status; POST of an existing name: `409
//!   AlreadyExists`; PUT carrying a stale `metadata.resourceVersion`: `409 Conflict` with the
//!   API server's message; resources can be made to answer 404 (a CRD not installed).
//!
//! Each client gets its own connection, which the test can cut (requests fail, watches end)
//! or make hang (requests are never answered), and every write is logged with the connection
//! it came through and the status it got.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use kube::Client;
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use super::body::ChanBody;

/// Where an object lives: its resource path (`api/v1/namespaces`,
/// `apis/coordination.k8s.io/v1/leases`), namespace (empty for cluster-scoped) and name.
type Key = (String, String, String);

/// One write as the server saw it.
#[derive(Clone, Debug)]
pub struct Write {
    /// The connection it came through.
    pub conn: String,
    /// POST, PUT or DELETE.
    pub method: Method,
    /// The resource path.
    pub resource: String,
    /// The object's name.
    pub name: String,
    /// The answer's status.
    pub status: u16,
}

struct Watcher {
    conn: String,
    resource: String,
    namespace: Option<String>,
    tx: UnboundedSender<Bytes>,
}

#[derive(Default)]
struct Inner {
    rv: u64,
    uids: u64,
    objects: BTreeMap<Key, Value>,
    events: Vec<(u64, Key, &'static str, Value)>,
    watchers: Vec<Watcher>,
    missing: HashSet<String>,
    writes: Vec<Write>,
    cut: HashSet<String>,
    hang: HashSet<String>,
    groups: BTreeMap<String, Vec<String>>,
    held: bool,
}

/// The fake API server.
#[derive(Default)]
pub struct FakeApi {
    inner: Mutex<Inner>,
}

/// A request's target.
struct Target {
    resource: String,
    namespace: Option<String>,
    name: Option<String>,
}

fn parse_path(path: &str) -> Option<Target> {
    let (prefix, rest) = if let Some(rest) = path.strip_prefix("/api/v1/") {
        ("api/v1".to_string(), rest)
    } else {
        let rest = path.strip_prefix("/apis/")?;
        let mut it = rest.splitn(3, '/');
        let (group, version, rest) = (it.next()?, it.next()?, it.next()?);
        (format!("apis/{group}/{version}"), rest)
    };
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let t = |res: &str, ns: Option<&str>, name: Option<&str>| Target {
        resource: format!("{prefix}/{res}"),
        namespace: ns.map(str::to_string),
        name: name.map(str::to_string),
    };
    Some(match segs.as_slice() {
        ["namespaces"] => t("namespaces", None, None),
        ["namespaces", n] => t("namespaces", None, Some(n)),
        ["namespaces", ns, res] => t(res, Some(ns), None),
        ["namespaces", ns, res, n] => t(res, Some(ns), Some(n)),
        [res] => t(res, None, None),
        [res, n] => t(res, None, Some(n)),
        _ => return None,
    })
}

fn query(uri: &http::Uri) -> BTreeMap<String, String> {
    uri.query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn status(code: StatusCode, reason: &str, message: String) -> Response<ChanBody> {
    let body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Failure", "message": message, "reason": reason, "code": code.as_u16(),
    });
    respond(code, &body)
}

fn respond(code: StatusCode, body: &Value) -> Response<ChanBody> {
    let mut resp = Response::new(ChanBody::once(body.to_string().into_bytes()));
    *resp.status_mut() = code;
    resp
}

/// `leases.coordination.k8s.io`, `namespaces`: how the API server names a resource in messages.
fn qualified(resource: &str) -> String {
    let mut parts = resource.split('/');
    let first = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    match (first, rest.as_slice()) {
        ("apis", [group, _, res]) => format!("{res}.{group}"),
        (_, [_, res]) => res.to_string(),
        _ => resource.to_string(),
    }
}

impl FakeApi {
    /// An empty server.
    pub fn new() -> Arc<FakeApi> {
        Arc::new(FakeApi::default())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A client whose requests arrive on connection `conn`.
    pub fn client(self: &Arc<Self>, conn: &str) -> (Client, JoinHandle<()>) {
        let (svc, mut handle) =
            tower_test::mock::pair::<Request<kube::client::Body>, Response<ChanBody>>();
        let api = Arc::clone(self);
        let conn = conn.to_string();
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Some((req, send)) = handle.next_request().await {
                if api.lock().cut.contains(&conn) {
                    send.send_error(format!(
                        "dial tcp 10.96.0.1:443: connect: connection refused ({conn})"
                    ));
                    continue;
                }
                if api.lock().hang.contains(&conn) {
                    held.push(send);
                    continue;
                }
                let (parts, body) = req.into_parts();
                let bytes = body.collect_bytes().await.unwrap_or_default();
                let resp = api.handle(&conn, &parts.method, &parts.uri, &bytes);
                send.send_response(resp);
            }
        });
        (Client::new(svc, "default"), task)
    }

    /// Requests on `conn` now fail as if the replica were gone, and its watches end.
    pub fn cut(&self, conn: &str) {
        let mut inner = self.lock();
        inner.cut.insert(conn.to_string());
        inner.watchers.retain(|w| w.conn != conn);
    }

    /// Requests on `conn` are never answered.
    pub fn hang(&self, conn: &str) {
        self.lock().hang.insert(conn.to_string());
    }

    /// `resource` answers 404, as a resource whose CRD is not installed does.
    pub fn set_missing(&self, resource: &str, missing: bool) {
        let mut inner = self.lock();
        if missing {
            inner.missing.insert(resource.to_string());
        } else {
            inner.missing.remove(resource);
        }
    }

    /// Discovery of `group_version` (`/apis/<group>/<version>`) lists `resources`.
    pub fn serve_group(&self, group_version: &str, resources: &[&str]) {
        self.lock().groups.insert(
            group_version.to_string(),
            resources.iter().map(|r| r.to_string()).collect(),
        );
    }

    /// While `hold` is set, changes are stored but not delivered to open watches (a watch
    /// that lags behind the API server); they are not replayed later.
    pub fn hold_watch_events(&self, hold: bool) {
        self.lock().held = hold;
    }

    /// Every write so far.
    pub fn writes(&self) -> Vec<Write> {
        self.lock().writes.clone()
    }

    /// The stored object.
    pub fn get(&self, resource: &str, namespace: &str, name: &str) -> Option<Value> {
        self.lock()
            .objects
            .get(&(
                resource.to_string(),
                namespace.to_string(),
                name.to_string(),
            ))
            .cloned()
    }

    /// Every stored object of `resource`.
    pub fn list(&self, resource: &str) -> Vec<Value> {
        self.lock()
            .objects
            .iter()
            .filter(|(k, _)| k.0 == resource)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Creates an object as another client would (a user, kubectl).
    pub fn create(&self, resource: &str, obj: Value) -> Value {
        let ns = obj["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut inner = self.lock();
        inner.create(resource, &ns, obj).expect("created")
    }

    /// Replaces an object unconditionally, as another client would.
    pub fn update(&self, resource: &str, mut obj: Value) -> Value {
        let ns = obj["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = obj["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if let Some(m) = obj["metadata"].as_object_mut() {
            m.remove("resourceVersion");
        }
        let mut inner = self.lock();
        inner.replace(resource, &ns, &name, obj).expect("updated")
    }

    /// Deletes an object.
    pub fn delete(&self, resource: &str, namespace: &str, name: &str) {
        self.lock()
            .delete(resource, namespace, name)
            .expect("deleted");
    }

    fn handle(
        &self,
        conn: &str,
        method: &Method,
        uri: &http::Uri,
        body: &[u8],
    ) -> Response<ChanBody> {
        if let Some(gv) = uri.path().strip_prefix("/apis/")
            && let Some(resources) = self.lock().groups.get(gv.trim_end_matches('/')).cloned()
        {
            let list: Vec<Value> = resources
                .iter()
                .map(|r| json!({"name": r, "singularName": "", "namespaced": false, "kind": "", "verbs": ["get", "list", "watch"]}))
                .collect();
            return respond(
                StatusCode::OK,
                &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list}),
            );
        }
        let Some(target) = parse_path(uri.path()) else {
            return status(
                StatusCode::NOT_FOUND,
                "NotFound",
                format!(
                    "the server could not find the requested resource ({})",
                    uri.path()
                ),
            );
        };
        let mut inner = self.lock();
        if inner.missing.contains(&target.resource) {
            return status(
                StatusCode::NOT_FOUND,
                "NotFound",
                "the server could not find the requested resource".into(),
            );
        }
        let ns = target.namespace.clone().unwrap_or_default();
        let q = query(uri);
        let result = match (method.clone(), &target.name) {
            (Method::GET, None) if q.get("watch").is_some_and(|w| w == "true" || w == "1") => {
                let since: u64 = q
                    .get("resourceVersion")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                return inner.watch(conn, &target, since);
            }
            (Method::GET, None) => {
                let items: Vec<Value> = inner
                    .objects
                    .iter()
                    .filter(|(k, _)| {
                        k.0 == target.resource
                            && target.namespace.as_ref().is_none_or(|n| *n == k.1)
                    })
                    .map(|(_, v)| v.clone())
                    .collect();
                Ok((
                    StatusCode::OK,
                    json!({
                        "apiVersion": "v1", "kind": "List",
                        "metadata": {"resourceVersion": inner.rv.to_string()},
                        "items": items,
                    }),
                ))
            }
            (Method::GET, Some(name)) => inner
                .objects
                .get(&(target.resource.clone(), ns.clone(), name.clone()))
                .cloned()
                .map(|o| (StatusCode::OK, o))
                .ok_or_else(|| not_found(&target.resource, name)),
            (Method::POST, None) => match serde_json::from_slice::<Value>(body) {
                Ok(obj) => inner
                    .create(&target.resource, &ns, obj)
                    .map(|o| (StatusCode::CREATED, o)),
                Err(e) => Err(status(StatusCode::BAD_REQUEST, "BadRequest", e.to_string())),
            },
            (Method::PUT, Some(name)) => match serde_json::from_slice::<Value>(body) {
                Ok(obj) => inner
                    .replace(&target.resource, &ns, name, obj)
                    .map(|o| (StatusCode::OK, o)),
                Err(e) => Err(status(StatusCode::BAD_REQUEST, "BadRequest", e.to_string())),
            },
            (Method::DELETE, Some(name)) => inner
                .delete(&target.resource, &ns, name)
                .map(|o| (StatusCode::OK, o)),
            _ => Err(status(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                format!("{method} not supported by the fake"),
            )),
        };
        let resp = match result {
            Ok((code, obj)) => respond(code, &obj),
            Err(resp) => resp,
        };
        if *method != Method::GET {
            let name = target.name.clone().or_else(|| {
                serde_json::from_slice::<Value>(body)
                    .ok()
                    .and_then(|v| v["metadata"]["name"].as_str().map(str::to_string))
            });
            inner.writes.push(Write {
                conn: conn.to_string(),
                method: method.clone(),
                resource: target.resource.clone(),
                name: name.unwrap_or_default(),
                status: resp.status().as_u16(),
            });
        }
        resp
    }
}

fn not_found(resource: &str, name: &str) -> Response<ChanBody> {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("{} {name:?} not found", qualified(resource)),
    )
}

impl Inner {
    fn next_rv(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    fn emit(&mut self, rv: u64, key: Key, kind: &'static str, obj: Value) {
        let line = Bytes::from(format!("{}\n", json!({"type": kind, "object": obj})));
        let held = self.held;
        self.watchers.retain(|w| {
            if held {
                return !w.tx.is_closed();
            }
            if w.resource != key.0 || w.namespace.as_ref().is_some_and(|n| *n != key.1) {
                return !w.tx.is_closed();
            }
            w.tx.send(line.clone()).is_ok()
        });
        self.events.push((rv, key, kind, obj));
    }

    fn watch(&mut self, conn: &str, target: &Target, since: u64) -> Response<ChanBody> {
        let (tx, body) = ChanBody::channel();
        for (rv, key, kind, obj) in &self.events {
            if *rv > since
                && key.0 == target.resource
                && target.namespace.as_ref().is_none_or(|n| *n == key.1)
            {
                let _ = tx.send(Bytes::from(format!(
                    "{}\n",
                    json!({"type": kind, "object": obj})
                )));
            }
        }
        self.watchers.push(Watcher {
            conn: conn.to_string(),
            resource: target.resource.clone(),
            namespace: target.namespace.clone(),
            tx,
        });
        Response::new(body)
    }

    fn create(
        &mut self,
        resource: &str,
        ns: &str,
        mut obj: Value,
    ) -> Result<Value, Response<ChanBody>> {
        let name = obj["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if name.is_empty() {
            return Err(status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Invalid",
                "metadata.name: Required value".into(),
            ));
        }
        let key = (resource.to_string(), ns.to_string(), name.clone());
        if self.objects.contains_key(&key) {
            return Err(status(
                StatusCode::CONFLICT,
                "AlreadyExists",
                format!("{} {name:?} already exists", qualified(resource)),
            ));
        }
        let rv = self.next_rv();
        self.uids += 1;
        let meta = obj["metadata"].as_object_mut().expect("metadata");
        meta.insert("resourceVersion".into(), json!(rv.to_string()));
        meta.insert(
            "uid".into(),
            json!(format!("00000000-0000-0000-0000-{:012}", self.uids)),
        );
        meta.insert("creationTimestamp".into(), json!("2026-12-07T22:00:00Z"));
        if !ns.is_empty() {
            meta.insert("namespace".into(), json!(ns));
        }
        self.objects.insert(key.clone(), obj.clone());
        self.emit(rv, key, "ADDED", obj.clone());
        Ok(obj)
    }

    fn replace(
        &mut self,
        resource: &str,
        ns: &str,
        name: &str,
        mut obj: Value,
    ) -> Result<Value, Response<ChanBody>> {
        let key = (resource.to_string(), ns.to_string(), name.to_string());
        let Some(stored) = self.objects.get(&key) else {
            return Err(not_found(resource, name));
        };
        let current = stored["metadata"]["resourceVersion"].clone();
        let (uid, created) = (
            stored["metadata"]["uid"].clone(),
            stored["metadata"]["creationTimestamp"].clone(),
        );
        if let Some(given) = obj["metadata"]["resourceVersion"].as_str()
            && json!(given) != current
        {
            return Err(status(
                StatusCode::CONFLICT,
                "Conflict",
                format!(
                    "Operation cannot be fulfilled on {} {name:?}: the object has been modified; please apply your changes to the latest version and try again",
                    qualified(resource)
                ),
            ));
        }
        let rv = self.next_rv();
        let meta = obj["metadata"].as_object_mut().expect("metadata");
        meta.insert("resourceVersion".into(), json!(rv.to_string()));
        meta.insert("uid".into(), uid);
        meta.insert("creationTimestamp".into(), created);
        if !ns.is_empty() {
            meta.insert("namespace".into(), json!(ns));
        }
        self.objects.insert(key.clone(), obj.clone());
        self.emit(rv, key, "MODIFIED", obj.clone());
        Ok(obj)
    }

    fn delete(
        &mut self,
        resource: &str,
        ns: &str,
        name: &str,
    ) -> Result<Value, Response<ChanBody>> {
        let key = (resource.to_string(), ns.to_string(), name.to_string());
        let Some(mut obj) = self.objects.remove(&key) else {
            return Err(not_found(resource, name));
        };
        let rv = self.next_rv();
        obj["metadata"]["resourceVersion"] = json!(rv.to_string());
        self.emit(rv, key, "DELETED", obj.clone());
        Ok(obj)
    }
}
