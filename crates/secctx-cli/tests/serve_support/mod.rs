//! `secctx serve` as a child process on 127.0.0.1, with certificates from `secctx serve cert`,
//! for the tests that need the real binary (signals, the CLI's flags).

#![allow(dead_code)]

#[path = "../../../secctx-webhook/tests/support/client.rs"]
pub mod client;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

#[allow(unused_imports)]
pub use client::{Client, HttpResponse, tls_config};

use crate::common::secctx;

/// A running `secctx serve`.
pub struct Served {
    /// The child.
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// The CA PEM.
    pub ca_pem: String,
    /// Certificates and logs.
    pub dir: tempfile::TempDir,
}

/// Makes certificates in `dir` with `secctx serve cert`; returns the CA PEM.
pub fn make_certs(dir: &Path) -> String {
    let out = secctx()
        .args(["serve", "cert", "--out-dir"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(dir.join("ca.crt")).unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Served {
    /// Starts `secctx serve` with `extra` flags; waits until `/readyz` answers 200.
    pub fn start(extra: &[&str]) -> Served {
        let dir = tempfile::tempdir().unwrap();
        let certs = dir.path().join("certs");
        std::fs::create_dir(&certs).unwrap();
        let ca_pem = make_certs(&certs);
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let log = std::fs::File::create(dir.path().join("serve.log")).unwrap();
        let child = secctx()
            .arg("serve")
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--tls-cert-file")
            .arg(certs.join("tls.crt"))
            .arg("--tls-private-key-file")
            .arg(certs.join("tls.key"))
            .args(extra)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let served = Served {
            child,
            addr,
            ca_pem,
            dir,
        };
        let start = Instant::now();
        loop {
            if let Ok(mut c) = Client::connect(addr, &tls_config(&served.ca_pem))
                && c.request("GET", "/readyz", None, b"")
                    .is_ok_and(|r| r.status == 200)
            {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "secctx serve did not become ready: {}",
                served.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        served
    }

    /// A new connection.
    pub fn client(&self) -> Client {
        Client::connect(self.addr, &tls_config(&self.ca_pem)).expect("connect")
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("serve.log")).unwrap_or_default()
    }

    /// The certificate directory.
    pub fn certs(&self) -> PathBuf {
        self.dir.path().join("certs")
    }

    /// Sends SIGTERM.
    pub fn sigterm(&self) {
        let pid = rustix::process::Pid::from_raw(i32::try_from(self.child.id()).unwrap())
            .expect("a child pid is positive");
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
