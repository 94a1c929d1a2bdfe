//! Bar 4 of issue 13: faults that must neither crash the server nor lose a request —
//! malformed JSON, wrong apiVersion/kind, no `request`, a 10 MiB body, a client sending one
//! byte a second, plain HTTP to the TLS port, the certificate replaced under load, and a
//! graceful shutdown with a request in flight. After each, a normal request is answered.
//! (SIGTERM to the real binary under load: `crates/secctx-cli/tests/serve_signals.rs`.)

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use support::{
    Client, Setup, TestServer, check_rules, namespace, pod_create, snapshot, tls_config,
};

fn pod() -> serde_json::Value {
    json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x", "securityContext": {"privileged": true}}]}})
}

fn server(read_timeout: Duration, body_timeout: Duration) -> TestServer {
    TestServer::start(Setup {
        snapshot: snapshot(vec![namespace(
            "ns",
            &[("pod-security.kubernetes.io/enforce", "baseline")],
        )]),
        read_timeout,
        body_timeout,
        ..Setup::default()
    })
}

/// The server still decides normally.
fn still_serving(s: &TestServer) {
    let r = s
        .client()
        .review("/validate", &pod_create("alive", "ns", "p", &pod()))
        .unwrap();
    let resp = check_rules("/validate", "alive", &r);
    assert_eq!(resp["allowed"], false);
}

#[test]
fn bad_bodies_are_400_with_psa_texts() {
    let s = server(Duration::from_secs(10), Duration::from_secs(10));
    let mut c = s.client();
    let cases: [(&[u8], Option<&str>, u16, &str); 7] = [
        (b"{not json", Some("application/json"), 400, "unable to decode the request\n"),
        (b"[]", Some("application/json"), 400, "unable to decode the request\n"),
        (
            br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"x"}}"#,
            Some("application/json"),
            400,
            "unexpected AdmissionReview kind: admission.k8s.io/v1beta1, Kind=AdmissionReview\n",
        ),
        (
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"ConversionReview","request":{"uid":"x"}}"#,
            Some("application/json"),
            400,
            "unexpected AdmissionReview kind: admission.k8s.io/v1, Kind=ConversionReview\n",
        ),
        (
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#,
            Some("application/json"),
            400,
            "AdmissionReview has no request\n",
        ),
        (b"{}", Some("text/plain"), 400, "unable to process a request with a non-json content type\n"),
        (b"", Some("application/json"), 400, "request body is empty\n"),
    ];
    for (body, ct, code, text) in cases {
        let r = c.request("POST", "/validate", ct, body).unwrap();
        assert_eq!(
            (r.status, r.text().as_str()),
            (code, text),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    // A request object that is not a Pod: PSA's bad request, inside an HTTP 200 review.
    let mut body: serde_json::Value =
        serde_json::from_slice(&pod_create("u", "ns", "p", &pod())).unwrap();
    body["request"]["object"] = json!({"spec": {"containers": "nope"}});
    let r = c
        .review("/validate", &serde_json::to_vec(&body).unwrap())
        .unwrap();
    let resp = check_rules("/validate", "u", &r);
    assert_eq!(resp["status"]["code"], 400);
    assert_eq!(resp["status"]["message"], "failed to decode object");
    let r = c
        .review("/mutate", &serde_json::to_vec(&body).unwrap())
        .unwrap();
    assert_eq!(check_rules("/mutate", "u", &r)["status"]["code"], 400);
    // The same connection keeps working.
    let r = c
        .review("/validate", &pod_create("k", "ns", "p", &pod()))
        .unwrap();
    check_rules("/validate", "k", &r);
    still_serving(&s);
}

#[test]
fn ten_mib_body_is_413() {
    let s = server(Duration::from_secs(10), Duration::from_secs(10));
    let big = vec![b' '; 10 * 1024 * 1024];
    // Declared length: refused before the body is read.
    let mut c = s.client();
    let head = format!(
        "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        big.len()
    );
    c.write_raw(head.as_bytes()).unwrap();
    let r = c.read_response().unwrap();
    assert_eq!(r.status, 413);
    assert_eq!(
        r.text(),
        "request entity is too large; limit is 3145728 bytes\n"
    );
    // Chunked, no length: refused once 3 MiB have arrived.
    let mut c = s.client();
    c.write_raw(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    let mut sent = 0;
    let mut status = None;
    for chunk in big.chunks(256 * 1024) {
        let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
        frame.extend_from_slice(chunk);
        frame.extend_from_slice(b"\r\n");
        if c.write_raw(&frame).is_err() {
            break;
        }
        sent += chunk.len();
        if sent > 4 * 1024 * 1024 {
            break;
        }
    }
    if let Ok(r) = c.read_response() {
        status = Some(r.status);
    }
    assert_eq!(status, Some(413), "sent {sent} bytes");
    // A declared length exactly at the limit is refused as PSA does (before any body byte is
    // sent); one byte under is read.
    let mut c = s.client();
    let head = format!(
        "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        3 * 1024 * 1024
    );
    c.write_raw(head.as_bytes()).unwrap();
    assert_eq!(c.read_response().unwrap().status, 413);
    let mut c = s.client();
    let r = c
        .request(
            "POST",
            "/validate",
            Some("application/json"),
            &vec![b' '; 3 * 1024 * 1024 - 1],
        )
        .unwrap();
    assert_eq!(
        (r.status, r.text().as_str()),
        (400, "unable to decode the request\n")
    );
    still_serving(&s);
}

#[test]
fn one_byte_a_second_is_cut_off_and_others_are_served() {
    let s = server(Duration::from_secs(2), Duration::from_secs(2));
    let addr = s.addr;
    let ca = s.ca_pem.clone();
    // Slow headers.
    let slow_headers = std::thread::spawn(move || {
        let mut c = Client::connect(addr, &tls_config(&ca)).unwrap();
        let start = Instant::now();
        for b in
            b"POST /validate HTTP/1.1\r\nHost: slow\r\nContent-Type: application/json\r\n".iter()
        {
            if c.write_raw(&[*b]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_secs(1));
            if start.elapsed() > Duration::from_secs(8) {
                break;
            }
        }
        // The server has given up on it: the connection is closed (no response, or a 408).
        let r = c.read_response();
        (start.elapsed(), r.map(|r| r.status).ok())
    });
    // Slow body: headers at once, then one byte a second.
    let addr2 = s.addr;
    let ca2 = s.ca_pem.clone();
    let slow_body = std::thread::spawn(move || {
        let mut c = Client::connect(addr2, &tls_config(&ca2)).unwrap();
        c.write_raw(b"POST /validate HTTP/1.1\r\nHost: slow\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
            .unwrap();
        // Two bytes, a second apart, then nothing more: the 2 s body deadline passes first.
        c.write_raw(b"{").unwrap();
        std::thread::sleep(Duration::from_secs(1));
        c.write_raw(b" ").unwrap();
        c.read_response().map(|r| (r.status, r.text())).ok()
    });
    // Meanwhile others are served promptly.
    for i in 0..20 {
        let t = Instant::now();
        let uid = format!("fast-{i}");
        let r = s
            .client()
            .review("/validate", &pod_create(&uid, "ns", "p", &pod()))
            .unwrap();
        check_rules("/validate", &uid, &r);
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "a normal request waited {:?}",
            t.elapsed()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (elapsed, status) = slow_headers.join().unwrap();
    assert!(
        elapsed < Duration::from_secs(8),
        "slow headers held for {elapsed:?}"
    );
    assert!(
        status.is_none() || status == Some(408),
        "slow headers got {status:?}"
    );
    assert_eq!(
        slow_body.join().unwrap(),
        Some((408, "timed out reading the request body\n".to_owned()))
    );
    still_serving(&s);
}

#[test]
fn plain_http_to_the_tls_port_is_refused() {
    let s = server(Duration::from_secs(10), Duration::from_secs(10));
    let mut tcp = TcpStream::connect(s.addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let body = pod_create("plain", "ns", "p", &pod());
    let head = format!(
        "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let _ = tcp.write_all(head.as_bytes());
    let _ = tcp.write_all(&body);
    let mut got = Vec::new();
    let _ = tcp.read_to_end(&mut got);
    assert!(
        !got.starts_with(b"HTTP/"),
        "answered in plain text: {:?}",
        String::from_utf8_lossy(&got)
    );
    // Whatever came back is at most a TLS alert record (content type 21), then the close.
    assert!(got.is_empty() || got[0] == 21, "{got:?}");
    still_serving(&s);
}

#[test]
fn certificate_replaced_under_load() {
    let s = server(Duration::from_secs(10), Duration::from_secs(10));
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for w in 0..4 {
        let (addr, ca, stop, ok) = (s.addr, s.ca_pem.clone(), Arc::clone(&stop), Arc::clone(&ok));
        workers.push(std::thread::spawn(move || {
            // Keep-alive connections opened before the rotation keep working through it.
            let mut c = Client::connect(addr, &tls_config(&ca)).unwrap();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let uid = format!("w{w}-{i}");
                let r = c
                    .review("/validate", &pod_create(&uid, "ns", "p", &pod()))
                    .unwrap_or_else(|e| panic!("request {uid} lost during rotation: {e}"));
                check_rules("/validate", &uid, &r);
                ok.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(500));
    let before = ok.load(Ordering::Relaxed);
    let new_ca = support::write_certs(&s.cert_dir());
    // Within a few poll intervals, new handshakes present the new certificate.
    let start = Instant::now();
    loop {
        if Client::connect(s.addr, &tls_config(&new_ca)).is_ok() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "new certificate not served"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        Client::connect(s.addr, &tls_config(&s.ca_pem)).is_err(),
        "the old certificate is still served to new connections"
    );
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().expect("no request lost");
    }
    let after = ok.load(Ordering::Relaxed);
    assert!(
        after > before,
        "requests continued through the rotation ({before} → {after})"
    );
    // A broken pair on disk is refused and the current one kept.
    std::fs::write(s.cert_dir().join("tls.crt"), "garbage").unwrap();
    std::thread::sleep(Duration::from_millis(600));
    assert!(Client::connect(s.addr, &tls_config(&new_ca)).is_ok());
}

#[test]
fn graceful_shutdown_finishes_the_request_in_flight() {
    let s = server(Duration::from_secs(10), Duration::from_secs(10));
    let body = pod_create("inflight", "ns", "p", &pod());
    let mut c = s.client();
    let head = format!(
        "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    c.write_raw(head.as_bytes()).unwrap();
    c.write_raw(&body[..body.len() / 2]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let addr = s.addr;
    let stopper = std::thread::spawn(move || s.shutdown());
    std::thread::sleep(Duration::from_millis(500));
    c.write_raw(&body[body.len() / 2..]).unwrap();
    let r = c
        .read_response()
        .expect("the in-flight request is answered");
    check_rules("/validate", "inflight", &r);
    stopper.join().unwrap();
    assert!(
        TcpStream::connect(addr).is_err(),
        "listener closed after shutdown"
    );
}
