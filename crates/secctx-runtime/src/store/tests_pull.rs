//! Pull against a small fake registry in the test process: Bearer token auth, and a registry
//! that serves a corrupt layer. (The real-registry tests are in the CLI's `image_store.rs`.)

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::*;
use crate::image::build::ImageBuilder;

const TOKEN: &str = "t0k3n";

struct Fake {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

fn respond(s: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
}

/// Serves the OCI layout at `layout` as `test:1`; `corrupt` flips a byte of every layer.
fn fake_registry(layout: PathBuf, corrupt: bool) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut reader = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut auth = false;
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                if h.trim().is_empty() {
                    break;
                }
                if h.to_ascii_lowercase().starts_with("authorization: bearer ")
                    && h.trim().ends_with(TOKEN)
                {
                    auth = true;
                }
            }
            log.lock().unwrap().push(path.clone());
            if path.starts_with("/token?") {
                respond(
                    &mut s,
                    "200 OK",
                    &[],
                    format!("{{\"token\":\"{TOKEN}\"}}").as_bytes(),
                );
                continue;
            }
            if !auth {
                let challenge = format!(
                    "Bearer realm=\"http://127.0.0.1:{port}/token\",service=\"fake\",scope=\"repository:test:pull\""
                );
                respond(
                    &mut s,
                    "401 Unauthorized",
                    &[("WWW-Authenticate", challenge)],
                    b"{}",
                );
                continue;
            }
            let blob = |d: &str| {
                layout
                    .join("blobs/sha256")
                    .join(d.trim_start_matches("sha256:"))
            };
            if path == "/v2/test/manifests/1" {
                let index: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap())
                        .unwrap();
                let d = index["manifests"][0]["digest"]
                    .as_str()
                    .unwrap()
                    .to_string();
                let bytes = std::fs::read(blob(&d)).unwrap();
                let ct = ("Content-Type", manifest::OCI_MANIFEST.to_string());
                respond(&mut s, "200 OK", &[ct], &bytes);
            } else if let Some(d) = path.strip_prefix("/v2/test/blobs/") {
                match std::fs::read(blob(d)) {
                    Ok(mut bytes) => {
                        if corrupt && bytes.starts_with(&[0x1f, 0x8b]) {
                            let n = bytes.len() / 2;
                            bytes[n] ^= 0x55;
                        }
                        respond(&mut s, "200 OK", &[], &bytes);
                    }
                    Err(_) => respond(&mut s, "404 Not Found", &[], b"{}"),
                }
            } else {
                respond(&mut s, "404 Not Found", &[], b"{}");
            }
        }
    });
    Fake { port, requests }
}

fn layout(dir: &Path) {
    let rootfs = dir.join("rootfs");
    std::fs::create_dir_all(rootfs.join("etc")).unwrap();
    std::fs::write(rootfs.join("etc/passwd"), "root:x:0:0::/:/bin/sh\n").unwrap();
    ImageBuilder::new()
        .config(RunConfig {
            user: Some("65534".into()),
            ..RunConfig::default()
        })
        .layer_dir(&rootfs)
        .unwrap()
        .write_oci_layout(&dir.join("oci"), "test:1")
        .unwrap();
}

#[test]
fn pull_with_a_bearer_token() {
    let tmp = tempfile::tempdir().unwrap();
    layout(tmp.path());
    let fake = fake_registry(tmp.path().join("oci"), false);
    let store = Store::open(&tmp.path().join("store")).unwrap();
    let reference = format!("127.0.0.1:{}/test:1", fake.port);
    let opts = PullOptions {
        insecure: true,
        ca_file: None,
    };
    let r = store.pull(&reference, &opts).unwrap();
    assert_eq!(r.name, reference);
    let requests = fake.requests.lock().unwrap().clone();
    assert_eq!(requests[0], "/v2/test/manifests/1");
    assert_eq!(
        requests[1],
        "/token?scope=repository:test:pull&service=fake"
    );
    assert_eq!(store.inspect(&reference).unwrap().user, "65534");
    let dest = tmp.path().join("rootfs-out");
    store.unpack(&reference, &dest).unwrap();
    assert!(dest.join("etc/passwd").is_file());
}

#[test]
fn a_registry_serving_a_corrupt_layer_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    layout(tmp.path());
    let fake = fake_registry(tmp.path().join("oci"), true);
    let root = tmp.path().join("store");
    let store = Store::open(&root).unwrap();
    let opts = PullOptions {
        insecure: true,
        ca_file: None,
    };
    let err = store
        .pull(&format!("127.0.0.1:{}/test:1", fake.port), &opts)
        .unwrap_err();
    assert!(matches!(err, StoreError::Digest { .. }), "{err:?}");
    assert!(store.list().unwrap().is_empty());
    assert_eq!(
        std::fs::read_dir(root.join("images/blobs/sha256"))
            .unwrap()
            .count(),
        0
    );
    assert_eq!(
        std::fs::read_dir(root.join("images/tmp")).unwrap().count(),
        0
    );
}

/// Pulls a layout that lies in one way from the fake registry: refused with `expect`, no
/// layer fetched when the lie is in the manifest or config, nothing stored.
fn pull_refused(edit: impl FnOnce(&Path), expect: &str, layers_fetched: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let oci = tmp.path().join("oci");
    super::tests_verify::good_layout(&oci);
    edit(&oci);
    let fake = fake_registry(oci.clone(), false);
    let root = tmp.path().join("store");
    let store = Store::open(&root).unwrap();
    let opts = PullOptions {
        insecure: true,
        ca_file: None,
    };
    let err = store
        .pull(&format!("127.0.0.1:{}/test:1", fake.port), &opts)
        .unwrap_err()
        .to_string();
    assert!(err.contains(expect), "expected {expect:?} in: {err}");
    let m: serde_json::Value = {
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(oci.join("index.json")).unwrap()).unwrap();
        let d = index["manifests"][0]["digest"].as_str().unwrap();
        serde_json::from_slice(
            &std::fs::read(
                oci.join("blobs/sha256")
                    .join(d.trim_start_matches("sha256:")),
            )
            .unwrap(),
        )
        .unwrap()
    };
    let layer = m["layers"][0]["digest"].as_str().unwrap().to_string();
    let fetched = fake
        .requests
        .lock()
        .unwrap()
        .iter()
        .any(|p| p.ends_with(&layer));
    assert_eq!(fetched, layers_fetched, "layer fetched: {err}");
    assert!(store.list().unwrap().is_empty());
    for d in ["images/blobs/sha256", "images/tmp"] {
        assert_eq!(std::fs::read_dir(root.join(d)).unwrap().count(), 0, "{d}");
    }
}

#[test]
fn pull_applies_the_same_rules_as_import() {
    use super::tests_verify::rewrite;
    use serde_json::json;
    pull_refused(
        |l| {
            rewrite(
                l,
                |_| {},
                |m| m["layers"][0]["mediaType"] = json!("text/html"),
                |_| {},
            )
        },
        "layer media type \"text/html\" is not one secctx can unpack",
        false,
    );
    pull_refused(
        |l| rewrite(l, |_| {}, |m| m["schemaVersion"] = json!(1), |_| {}),
        "schemaVersion 1 is not supported",
        false,
    );
    // The document says index; the registry's Content-Type says manifest.
    pull_refused(
        |l| {
            rewrite(
                l,
                |_| {},
                |m| m["mediaType"] = json!(crate::image::media::OCI_INDEX),
                |_| {},
            )
        },
        "differs from the document's mediaType",
        false,
    );
    pull_refused(
        |l| {
            rewrite(
                l,
                |_| {},
                |m| m["config"]["mediaType"] = json!("application/vnd.cncf.helm.config.v1+json"),
                |_| {},
            )
        },
        "is not an image config",
        false,
    );
    pull_refused(
        |l| rewrite(l, |c| c["rootfs"]["diff_ids"] = json!([]), |_| {}, |_| {}),
        "the config lists 0 diff_ids for 1 layers",
        false,
    );
    // The config's descriptor says one byte less than the registry sends.
    pull_refused(
        |l| {
            rewrite(
                l,
                |_| {},
                |m| m["config"]["size"] = json!(m["config"]["size"].as_u64().unwrap() - 1),
                |_| {},
            )
        },
        "longer than the",
        false,
    );
    // A tar+gzip layer that is a plain tar: found once fetched, then refused.
    pull_refused(
        |l| {
            rewrite(
                l,
                |_| {},
                |m| m["layers"][0]["mediaType"] = json!(manifest::OCI_LAYER_TAR),
                |_| {},
            )
        },
        "the media type says an uncompressed tar but the data is gzip-compressed",
        true,
    );
}
