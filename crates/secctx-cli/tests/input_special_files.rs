//! A FIFO (or device) among the inputs is refused with a clear error and never read: before,
//! opening a FIFO with no writer hung the whole run.

mod common;

use std::time::{Duration, Instant};

use common::secctx;

#[test]
fn fifo_input_is_refused_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pods.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo (coreutils) makes the FIFO");
    assert!(made.success(), "mkfifo failed");
    let mut child = secctx()
        .arg("check")
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("secctx check hung on a FIFO input");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "{}: a FIFO, not a manifest file: not read",
            fifo.display()
        )),
        "{err}"
    );

    let o = secctx().args(["explain", "/dev/null"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("/dev/null: a device, not a manifest file: not read"),
        "{err}"
    );
}
