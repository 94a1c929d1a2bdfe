//! `record`: one run of a pod, observed. [`Recorder`] is the run's [`Hooks`]: each container
//! gets an overlay rootfs, a notifying seccomp filter in place of its profile, and a
//! capability trace; on exit its upper dir is diffed. The result is one
//! [`secctx_core::record::Observed`] per container, which `secctx_core::record` turns into a
//! security context.
//!
//! - [`notify`]: syscalls and identity by seccomp user notification.
//! - [`caps`]: capabilities by the `capability:cap_capable` tracepoint.
//! - [`upper`]: written paths from the overlay upper dir.

pub mod caps;
pub mod notify;
pub mod upper;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use secctx_core::oci::Rendered;
use secctx_core::record::Observed;
use secctx_core::resolve::ResolvedContainer;
use secctx_core::seccomp::LinuxSeccomp;

use crate::executor::seccomp::{NOTIFY_ANNOTATION, NOTIFY_PIDFD};
use crate::pod::run::{Created, Hooks};

struct Running {
    syscalls: JoinHandle<notify::SyscallLog>,
    joiners: JoinHandle<notify::SyscallLog>,
    stop: Arc<AtomicBool>,
    caps: Option<caps::Tracer>,
    baseline: upper::Snapshot,
    notes: Vec<String>,
}

/// The hooks of a recorded run.
pub struct Recorder<'a> {
    diag: &'a mut dyn FnMut(&str),
    started_uid: HashMap<String, u32>,
    running: HashMap<String, Running>,
    /// One per container that ran, in exit order.
    pub observed: Vec<Observed>,
}

impl<'a> Recorder<'a> {
    /// A recorder printing its events with `diag`.
    pub fn new(diag: &'a mut dyn FnMut(&str)) -> Recorder<'a> {
        Recorder {
            diag,
            started_uid: HashMap::new(),
            running: HashMap::new(),
            observed: Vec::new(),
        }
    }
}

/// The recording profile: every call of every x86 ABI notifies.
pub fn notify_profile() -> LinuxSeccomp {
    serde_json::from_value(serde_json::json!({
        "defaultAction": "SCMP_ACT_NOTIFY",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    }))
    .expect("a valid LinuxSeccomp")
}

impl Hooks for Recorder<'_> {
    fn diag(&mut self, line: &str) {
        (self.diag)(line);
    }

    fn overlay_rootfs(&self) -> bool {
        true
    }

    fn spec(&mut self, c: &ResolvedContainer, rendered: &mut Rendered) -> Result<(), String> {
        rendered.seccomp = Some(notify_profile());
        let spec = &mut rendered.spec;
        let mut ann = spec.annotations().clone().unwrap_or_default();
        ann.insert(NOTIFY_ANNOTATION.into(), NOTIFY_PIDFD.into());
        spec.set_annotations(Some(ann));
        if let Some(mut p) = spec.process().clone() {
            self.started_uid.insert(c.name.clone(), p.user().uid());
            // Without no_new_privs the runtime installs the filter earlier (before the uid
            // and capability changes): its longer tail is recorded, so the profile works
            // with allowPrivilegeEscalation true and false.
            p.set_no_new_privileges(Some(false));
            spec.set_process(Some(p));
        }
        Ok(())
    }

    fn created(&mut self, c: &ResolvedContainer, created: &Created<'_>) {
        let mut notes = Vec::new();
        let baseline = upper::snapshot(&created.bundle.join("upper")).unwrap_or_else(|e| {
            notes.push(format!("upper dir at start: {e}"));
            upper::Snapshot::new()
        });
        let caps = match caps::start(created.pid) {
            Ok(t) => Some(t),
            Err(e) => {
                notes.push(format!("capabilities not traced: {e}"));
                None
            }
        };
        let syscalls = notify::spawn(created.pid);
        let stop = Arc::new(AtomicBool::new(false));
        let joiners = notify::watch(created.pid, stop.clone());
        self.running.insert(
            c.name.clone(),
            Running {
                syscalls,
                joiners,
                stop,
                caps,
                baseline,
                notes,
            },
        );
    }

    fn exited(&mut self, c: &ResolvedContainer, created: &Created<'_>, code: i32) {
        let Some(r) = self.running.remove(&c.name) else {
            return;
        };
        let mut o = Observed {
            container: c.name.clone(),
            exit_code: code,
            runs: 1,
            started_uid: self.started_uid.get(&c.name).copied().unwrap_or(0),
            notes: r.notes,
            ..Observed::default()
        };
        r.stop.store(true, Ordering::SeqCst);
        let joined = r.joiners.join().unwrap_or_default();
        match r.syscalls.join() {
            Ok(mut log) => {
                for (arch, names) in joined.syscalls {
                    log.syscalls.entry(arch).or_default().extend(names);
                }
                log.uids.extend(joined.uids);
                log.gids.extend(joined.gids);
                log.escalations.extend(joined.escalations);
                log.notes.extend(joined.notes);
                o.syscalls = log.syscalls;
                o.uids = log.uids;
                o.gids = log.gids;
                o.escalations = log.escalations;
                o.notes.extend(log.notes);
            }
            Err(_) => o.notes.push("the syscall supervisor panicked".into()),
        }
        if let Some(t) = r.caps {
            let log = t.finish();
            o.capabilities = log.granted;
            o.denied_capabilities = log.denied;
            o.notes.extend(log.notes);
        }
        match upper::diff(
            &created.bundle.join("upper"),
            &created.bundle.join("lower"),
            &r.baseline,
        ) {
            Ok((w, dirs)) => {
                o.written = w;
                o.image_dirs = dirs;
            }
            Err(e) => o.notes.push(format!("written paths not read: {e}")),
        }
        self.observed.push(o);
    }
}
