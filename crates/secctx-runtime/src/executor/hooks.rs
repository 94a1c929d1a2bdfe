//! OCI hooks (`config.json` `hooks`): run on the host with the container's state on stdin.
//!
//! Hooks come from the bundle's owner, who already decides everything about the container
//! (they are programs the runtime runs as root on the host, as the spec says); pods never
//! give hooks (`secctx oci` renders none). Failure rules of the runtime-spec:
//! `prestart`, `createRuntime`, `createContainer` and `startContainer` failing fail the
//! operation (the container is destroyed); `poststart` and `poststop` failing only warn.
//! A hook's `timeout` (seconds) kills it, with everything in its process group, when over
//! and counts as a failure; the state is written and stderr read by threads, so a hook that
//! reads neither still meets its timeout.

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
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(h.path());
    let args = h.args().clone().unwrap_or_default();
    if let Some((arg0, rest)) = args.split_first() {
        cmd.arg0(arg0).args(rest);
    }
    cmd.env_clear();
    for kv in h.env().iter().flatten() {
        if let Some((k, v)) = kv.split_once('=') {
            cmd.env(k, v);
        }
    }
    // Its own process group: a timeout kills what the hook started too, not the hook alone.
    cmd.process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let group = child.id() as i32;
    // The state and the hook's stderr go through threads, so a hook that reads neither (with
    // a state larger than the pipe's buffer, or more than a buffer of stderr) still meets
    // its timeout instead of blocking us.
    // Not joined (nor is the stderr reader): a child the hook left behind may hold the pipes.
    let _stdin_writer = child.stdin.take().map(|mut stdin| {
        let state = state.to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&state);
        })
    });
    let err_text = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let stderr = child.stderr.take().map(|mut e| {
        let text = err_text.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = e.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut t) = text.lock()
                    && t.len() < 64 * 1024
                {
                    t.extend_from_slice(&buf[..n]);
                }
            }
        })
    });
    let deadline = h
        .timeout()
        .map(|t| Instant::now() + Duration::from_secs(t.max(1) as u64));
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(s) => break s,
            None if deadline.is_some_and(|d| Instant::now() >= d) => {
                let _ = super::sys::kill(-group, libc::SIGKILL);
                let _ = child.wait();
                return Err(format!("timed out after {} s", h.timeout().unwrap_or(0)));
            }
            None => std::thread::sleep(Duration::from_millis(1)),
        }
    };
    if status.success() {
        return Ok(());
    }
    // The hook's last words: what its stderr held by its exit (or shortly after).
    let until = Instant::now() + Duration::from_millis(200);
    while stderr.as_ref().is_some_and(|t| !t.is_finished()) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(1));
    }
    let err = err_text
        .lock()
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    Err(if err.is_empty() {
        format!("{status}")
    } else {
        format!("{status}: {err}")
    })
}
