//! `linux.seccomp` → a classic BPF program, compiled with libseccomp and cached.
//!
//! Compiling containerd's RuntimeDefault profile is most of a runtime's start-up cost, and the
//! profile is the same for every container with the same bounding set. So the compiled
//! program is stored under `<root>/.seccomp-cache/<sha256 of the profile JSON>.bpf`, and a
//! container whose profile hashes the same loads the cached bytes with one `seccomp(2)` call.
//! The profile is compiled in the secctx process before `fork`; the container's init only
//! loads bytes, so no libseccomp code runs in the child.

use std::io::Read;
use std::path::Path;

use libseccomp::{
    ScmpAction, ScmpArch, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall,
};
use oci_spec::runtime::{
    LinuxSeccomp, LinuxSeccompAction, LinuxSeccompFilterFlag, LinuxSeccompOperator,
};
use sha2::{Digest, Sha256};

use super::ExecError;

const EPERM: u32 = 1;

/// The spec annotation under which the embedded executor accepts `SCMP_ACT_NOTIFY`: the
/// filter is loaded with `SECCOMP_FILTER_FLAG_NEW_LISTENER` and the listener fd stays in the
/// container's init (close-on-exec) for a supervisor to take with `pidfd_getfd` (`record`
/// does, [`crate::record::notify`]). Without it a notifying profile is refused, as runc
/// refuses one without `listenerPath`: nobody would answer and the container would hang.
pub const NOTIFY_ANNOTATION: &str = "run.secctx.io/seccomp-notify";

/// The value of [`NOTIFY_ANNOTATION`] that allows notification.
pub const NOTIFY_PIDFD: &str = "pidfd-getfd";

const NEW_LISTENER: u32 = 1 << 3;

/// Whether `profile` notifies (its default action or a rule is `SCMP_ACT_NOTIFY`).
pub fn notifies(profile: &LinuxSeccomp) -> bool {
    profile.default_action() == LinuxSeccompAction::ScmpActNotify
        || profile
            .syscalls()
            .iter()
            .flatten()
            .any(|r| r.action() == LinuxSeccompAction::ScmpActNotify)
}

/// Refuses a notifying profile unless the spec's `annotations` carry [`NOTIFY_ANNOTATION`].
pub fn check_notify(
    profile: &LinuxSeccomp,
    annotations: Option<&std::collections::HashMap<String, String>>,
) -> Result<(), ExecError> {
    let allowed = annotations
        .and_then(|a| a.get(NOTIFY_ANNOTATION))
        .is_some_and(|v| v == NOTIFY_PIDFD);
    if notifies(profile) && !allowed {
        return Err(ExecError::Unsupported(format!(
            "seccomp SCMP_ACT_NOTIFY without the {NOTIFY_ANNOTATION}: {NOTIFY_PIDFD} annotation (the embedded executor has no listenerPath support)"
        )));
    }
    Ok(())
}

/// A program ready for `seccomp(SECCOMP_SET_MODE_FILTER)`.
#[derive(Clone, Debug)]
pub struct Program {
    /// `struct sock_filter[]`, 8 bytes per instruction, native endian.
    pub bpf: Vec<u8>,
    /// `SECCOMP_FILTER_FLAG_*`.
    pub flags: u32,
}

/// The `SECCOMP_FILTER_FLAG_*` bits of a profile. An absent `flags` means the runc/crun
/// default, `SECCOMP_FILTER_FLAG_SPEC_ALLOW`; a notifying profile gets `NEW_LISTENER`.
pub fn filter_flags(profile: &LinuxSeccomp) -> u32 {
    let listener = if notifies(profile) { NEW_LISTENER } else { 0 };
    listener
        | match profile.flags() {
            None => 1 << 2,
            Some(flags) => flags
                .iter()
                .map(|f| match f {
                    LinuxSeccompFilterFlag::SeccompFilterFlagTsync => 1,
                    LinuxSeccompFilterFlag::SeccompFilterFlagLog => 1 << 1,
                    LinuxSeccompFilterFlag::SeccompFilterFlagSpecAllow => 1 << 2,
                    LinuxSeccompFilterFlag::SeccompFilterFlagWaitKillableRecv => 1 << 5,
                })
                .fold(0, |a, b| a | b),
        }
}

/// The program for `profile`, from `cache_dir` when present, else compiled and stored there.
pub fn program(profile: &LinuxSeccomp, cache_dir: &Path) -> Result<Program, ExecError> {
    let flags = filter_flags(profile);
    let json = serde_json::to_vec(profile).expect("profile serializes");
    let key = hex::encode(Sha256::digest(&json));
    let path = cache_dir.join(format!("{key}.bpf"));
    if let Ok(bpf) = std::fs::read(&path)
        && !bpf.is_empty()
        && bpf.len() % 8 == 0
    {
        return Ok(Program { bpf, flags });
    }
    let bpf = compile(profile)?;
    // Best effort: a cache that cannot be written only costs the next container a compile.
    if std::fs::create_dir_all(cache_dir).is_ok() {
        let tmp = cache_dir.join(format!("{key}.{}.tmp", std::process::id()));
        if std::fs::write(&tmp, &bpf).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
    }
    Ok(Program { bpf, flags })
}

fn err(e: impl std::fmt::Display) -> ExecError {
    ExecError::Seccomp(e.to_string())
}

fn action(action: LinuxSeccompAction, errno: Option<u32>) -> Result<ScmpAction, ExecError> {
    Ok(match action {
        LinuxSeccompAction::ScmpActKill | LinuxSeccompAction::ScmpActKillThread => {
            ScmpAction::KillThread
        }
        LinuxSeccompAction::ScmpActKillProcess => ScmpAction::KillProcess,
        LinuxSeccompAction::ScmpActTrap => ScmpAction::Trap,
        LinuxSeccompAction::ScmpActErrno => ScmpAction::Errno(errno.unwrap_or(EPERM) as i32),
        LinuxSeccompAction::ScmpActTrace => ScmpAction::Trace(errno.unwrap_or(EPERM) as u16),
        LinuxSeccompAction::ScmpActLog => ScmpAction::Log,
        LinuxSeccompAction::ScmpActAllow => ScmpAction::Allow,
        LinuxSeccompAction::ScmpActNotify => ScmpAction::Notify,
    })
}

fn arch(a: &oci_spec::runtime::Arch) -> Result<ScmpArch, ExecError> {
    let name = serde_json::to_value(a).expect("arch serializes");
    let name = name.as_str().unwrap_or_default();
    name.parse::<ScmpArch>().map_err(err)
}

fn compare(arg: &oci_spec::runtime::LinuxSeccompArg) -> ScmpArgCompare {
    let op = match arg.op() {
        LinuxSeccompOperator::ScmpCmpNe => ScmpCompareOp::NotEqual,
        LinuxSeccompOperator::ScmpCmpLt => ScmpCompareOp::Less,
        LinuxSeccompOperator::ScmpCmpLe => ScmpCompareOp::LessOrEqual,
        LinuxSeccompOperator::ScmpCmpEq => ScmpCompareOp::Equal,
        LinuxSeccompOperator::ScmpCmpGe => ScmpCompareOp::GreaterEqual,
        LinuxSeccompOperator::ScmpCmpGt => ScmpCompareOp::Greater,
        // OCI: `value` is the mask, `valueTwo` the value compared after masking.
        LinuxSeccompOperator::ScmpCmpMaskedEq => ScmpCompareOp::MaskedEqual(arg.value()),
    };
    let datum = match arg.op() {
        LinuxSeccompOperator::ScmpCmpMaskedEq => arg.value_two().unwrap_or(0),
        _ => arg.value(),
    };
    ScmpArgCompare::new(arg.index() as u32, op, datum)
}

/// Compiles `profile` into BPF bytes with libseccomp (2.5: `export_bpf` to a file).
pub fn compile(profile: &LinuxSeccomp) -> Result<Vec<u8>, ExecError> {
    let default = action(profile.default_action(), profile.default_errno_ret())?;
    let mut ctx = ScmpFilterContext::new(default).map_err(err)?;
    // We set no_new_privs ourselves, at the step the spec says; the filter must not.
    ctx.set_ctl_nnp(false).map_err(err)?;
    for a in profile.architectures().iter().flatten() {
        let a = arch(a)?;
        if a != ScmpArch::Native && !ctx.is_arch_present(a).map_err(err)? {
            ctx.add_arch(a).map_err(err)?;
        }
    }
    for rule in profile.syscalls().iter().flatten() {
        let act = action(rule.action(), rule.errno_ret())?;
        // libseccomp refuses rules whose action is the default one; they change nothing.
        if act == default {
            continue;
        }
        let args = rule.args().clone().unwrap_or_default();
        for name in rule.names() {
            // Like runc and crun: a name this libseccomp does not know is skipped.
            let Ok(call) = ScmpSyscall::from_name(name) else {
                continue;
            };
            if args.is_empty() {
                ctx.add_rule(act, call).map_err(err)?;
                continue;
            }
            let mut indices: Vec<usize> = args.iter().map(|a| a.index()).collect();
            indices.sort_unstable();
            indices.dedup();
            if indices.len() == args.len() {
                // Distinct argument indices: one rule, all comparisons must hold (AND).
                let cmps: Vec<ScmpArgCompare> = args.iter().map(compare).collect();
                ctx.add_rule_conditional(act, call, &cmps).map_err(err)?;
            } else {
                // The same index twice: one rule per comparison (OR), as runc does.
                for a in &args {
                    ctx.add_rule_conditional(act, call, &[compare(a)])
                        .map_err(err)?;
                }
            }
        }
    }
    let mut file = tempfile_in_memory()?;
    ctx.export_bpf(&file).map_err(err)?;
    let mut bpf = Vec::new();
    use std::io::Seek;
    file.seek(std::io::SeekFrom::Start(0))
        .map_err(|e| ExecError::io("seccomp export", e))?;
    file.read_to_end(&mut bpf)
        .map_err(|e| ExecError::io("seccomp export", e))?;
    Ok(bpf)
}

fn tempfile_in_memory() -> Result<std::fs::File, ExecError> {
    let fd = rustix::fs::memfd_create("secctx-seccomp", rustix::fs::MemfdFlags::CLOEXEC)
        .map_err(|e| ExecError::io("memfd_create", e.into()))?;
    Ok(std::fs::File::from(fd))
}
