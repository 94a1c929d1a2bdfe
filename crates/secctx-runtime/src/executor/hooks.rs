//! OCI hooks (`config.json` `hooks`): run on the host with the container's state on stdin.
//!
//! Hooks come from the bundle's owner, who already decides everything about the container
//! (they are programs the runtime runs as root on the host, as the spec says); pods never
//! give hooks (`secctx oci` renders none). Failure rules of the runtime-spec:
//! `prestart`, `createRuntime`, `createContainer` and `startContainer` failing fail the
//! operation (the container is destroyed); `poststart` and `poststop` failing only warn.
//! A hook's `timeout` (seconds) kills it when over and counts as a failure.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use oci_spec::runtime::{Hook, Hooks};

use super::ExecError;

/// The hook points, in lifecycle order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Point {
    /// Deprecated `prestart` (run with `createRuntime`, before it).
    Prestart,
    /// After the container's environment exists, in the runtime's namespaces.
    CreateRuntime,
    /// After `createRuntime` (run in the runtime's namespaces here; see docs/executor.md).
    CreateContainer,
    /// In the container, after `start`, before the user process (init runs them).
    StartContainer,
    /// After the user process started.
    Poststart,
    /// After the container was deleted.
    Poststop,
}

impl Point {
    /// The field name in `config.json`.
    pub fn name(self) -> &'static str {
        match self {
            Point::Prestart => "prestart",
            Point::CreateRuntime => "createRuntime",
            Point::CreateContainer => "createContainer",
            Point::StartContainer => "startContainer",
            Point::Poststart => "poststart",
            Point::Poststop => "poststop",
        }
    }

    /// The hooks of this point in `hooks`.
    pub fn of(self, hooks: &Hooks) -> Vec<Hook> {
        let list = match self {
            Point::Prestart => hooks.prestart(),
            Point::CreateRuntime => hooks.create_runtime(),
            Point::CreateContainer => hooks.create_container(),
            Point::StartContainer => hooks.start_container(),
            Point::Poststart => hooks.poststart(),
            Point::Poststop => hooks.poststop(),
        };
        list.clone().unwrap_or_default()
    }
}

const ALL: [Point; 6] = [
    Point::Prestart,
    Point::CreateRuntime,
    Point::CreateContainer,
    Point::StartContainer,
    Point::Poststart,
    Point::Poststop,
];

/// Create-time checks: absolute paths and positive timeouts, naming the field.
pub fn check(hooks: &Hooks) -> Result<(), ExecError> {
    for point in ALL {
        for (i, h) in point.of(hooks).iter().enumerate() {
            let field = format!("hooks.{}[{i}]", point.name());
            if !h.path().is_absolute() {
                return Err(ExecError::Unsupported(format!(
                    "{field}.path {:?}: must be absolute",
                    h.path()
                )));
            }
            if h.timeout().is_some_and(|t| t <= 0) {
                return Err(ExecError::Unsupported(format!(
                    "{field}.timeout: must be positive"
                )));
            }
        }
    }
    Ok(())
}

/// The state JSON a hook reads on stdin (runtime-spec "State").
pub fn state_json(
    oci_version: &str,
    id: &str,
    status: &str,
    pid: i32,
    bundle: &Path,
    annotations: &std::collections::HashMap<String, String>,
) -> Vec<u8> {
    let mut v = serde_json::json!({
        "ociVersion": oci_version,
        "id": id,
        "status": status,
        "bundle": bundle,
        "annotations": annotations,
    });
    if pid > 0 {
        v["pid"] = pid.into();
    }
    serde_json::to_vec(&v).expect("state serializes")
}

/// Runs the hooks of one point in order; the first failure stops them and is returned
/// (`point.hooks[i]: ...`).
pub fn run(point: Point, hooks: &[Hook], state: &[u8]) -> Result<(), String> {
    for (i, h) in hooks.iter().enumerate() {
        run_one(h, state)
            .map_err(|e| format!("hooks.{}[{i}] {:?}: {e}", point.name(), h.path()))?;
    }
    Ok(())
}

/// Runs every hook of a point whose failures only warn: each failure is passed to `warn`
/// and the rest still run.
pub fn run_warning(point: Point, hooks: &[Hook], state: &[u8], warn: fn(&str)) {
    for (i, h) in hooks.iter().enumerate() {
        if let Err(e) = run_one(h, state) {
            warn(&format!("hooks.{}[{i}] {:?}: {e}", point.name(), h.path()));
        }
    }
}

fn run_one(h: &Hook, state: &[u8]) -> Result<(), String> {
    let mut cmd = Command::new(h.path());
    let args = h.args().clone().unwrap_or_default();
    if let Some((arg0, rest)) = args.split_first() {
        use std::os::unix::process::CommandExt;
        cmd.arg0(arg0).args(rest);
    }
    cmd.env_clear();
    for kv in h.env().iter().flatten() {
        if let Some((k, v)) = kv.split_once('=') {
            cmd.env(k, v);
        }
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    // The state is small (below the pipe's buffer); a hook that does not read it is fine.
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(state);
    }
    let deadline = h
        .timeout()
        .map(|t| Instant::now() + Duration::from_secs(t.max(1) as u64));
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(s) => break s,
            None if deadline.is_some_and(|d| Instant::now() >= d) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {} s", h.timeout().unwrap_or(0)));
            }
            None => std::thread::sleep(Duration::from_millis(1)),
        }
    };
    if status.success() {
        return Ok(());
    }
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let err = err.trim();
    Err(if err.is_empty() {
        format!("{status}")
    } else {
        format!("{status}: {err}")
    })
}
