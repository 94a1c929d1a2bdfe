//! Capabilities from the `capability:cap_capable` tracepoint, read through a private tracefs
//! instance (no BPF): `set_event_pid` with `event-fork` follows the container's init and its
//! descendants. Checks are counted from the init's first `execve` on (before it, the checks
//! are the runtime's own: bounding-set drops, uid changes).
//!
//! The tracepoint has no `CAP_OPT_NOAUDIT` flag, so the memory-accounting checks
//! (`cap_vm_enough_memory`: CAP_SYS_ADMIN in every mmap, brk, mremap, mprotect and exec) are
//! removed by their syscall: `raw_syscalls:sys_enter`/`sys_exit` are enabled for those
//! system calls only, and a CAP_SYS_ADMIN check between a thread's enter and exit of one of
//! them is dropped.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use secctx_core::caps::CAPABILITY_NAMES as NAMES;

const TRACEFS: &str = "/sys/kernel/tracing";
const CAP_SYS_ADMIN: u32 = 21;
/// mmap, mprotect, munmap, mremap, brk, execve, execveat (x86_64).
const MEMORY_CALLS: [u32; 7] = [9, 10, 11, 25, 12, 59, 322];

/// What the tracepoint showed.
#[derive(Debug, Default)]
pub struct CapLog {
    /// Granted checks (`CAP_*`).
    pub granted: BTreeSet<String>,
    /// Refused checks.
    pub denied: BTreeSet<String>,
    /// System calls that failed with EPERM (with [`start_with_denials`]).
    pub eperm: BTreeSet<String>,
    /// Problems.
    pub notes: Vec<String>,
}

/// A running trace; [`Tracer::finish`] stops it and returns what it saw.
pub struct Tracer {
    dir: PathBuf,
    stop: Arc<AtomicBool>,
    reader: JoinHandle<CapLog>,
}

fn write(dir: &Path, file: &str, value: &str) -> Result<(), String> {
    std::fs::write(dir.join(file), value).map_err(|e| format!("{}: {e}", dir.join(file).display()))
}

/// Mounts tracefs if it is not (root), so the tracepoint can be used.
fn ensure_tracefs() -> Result<(), String> {
    if Path::new(TRACEFS).join("instances").is_dir() {
        return Ok(());
    }
    rustix::mount::mount(
        "nodev",
        TRACEFS,
        "tracefs",
        rustix::mount::MountFlags::empty(),
        None,
    )
    .map_err(|e| format!("mount tracefs on {TRACEFS}: {e}"))
}

/// Starts tracing the capability checks of `pid` and its descendants.
pub fn start(pid: i32) -> Result<Tracer, String> {
    start_mode(pid, false)
}

/// [`start`], also noting every system call that fails with EPERM (a verify run's evidence).
pub fn start_with_denials(pid: i32) -> Result<Tracer, String> {
    start_mode(pid, true)
}

fn start_mode(pid: i32, denials: bool) -> Result<Tracer, String> {
    ensure_tracefs()?;
    let events = Path::new(TRACEFS).join("events/capability/cap_capable");
    if !events.is_dir() {
        return Err("this kernel has no capability:cap_capable tracepoint".into());
    }
    let dir = Path::new(TRACEFS)
        .join("instances")
        .join(format!("secctx-record-{}-{pid}", std::process::id()));
    std::fs::create_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let setup = || -> Result<(), String> {
        write(&dir, "buffer_size_kb", "4096")?;
        write(&dir, "options/event-fork", "1")?;
        write(&dir, "set_event_pid", &pid.to_string())?;
        let filter = MEMORY_CALLS
            .iter()
            .map(|n| format!("id == {n}"))
            .collect::<Vec<_>>()
            .join(" || ");
        write(&dir, "events/raw_syscalls/sys_enter/filter", &filter)?;
        let exit_filter = if denials {
            format!("{filter} || ret == -1")
        } else {
            filter
        };
        write(&dir, "events/raw_syscalls/sys_exit/filter", &exit_filter)?;
        for ev in ["raw_syscalls/sys_enter", "raw_syscalls/sys_exit"] {
            write(&dir, &format!("events/{ev}/enable"), "1")?;
        }
        write(&dir, "events/sched/sched_process_exec/enable", "1")?;
        write(&dir, "events/capability/cap_capable/enable", "1")?;
        write(&dir, "tracing_on", "1")
    };
    if let Err(e) = setup() {
        let _ = std::fs::remove_dir(&dir);
        return Err(e);
    }
    let pipe = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(dir.join("trace_pipe"))
        .map_err(|e| format!("trace_pipe: {e}"))?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let reader = std::thread::spawn(move || read(pipe, pid, &flag));
    Ok(Tracer { dir, stop, reader })
}

impl Tracer {
    /// Stops the trace, drains it, removes the instance.
    pub fn finish(self) -> CapLog {
        let _ = write(&self.dir, "tracing_on", "0");
        self.stop.store(true, Ordering::SeqCst);
        let mut log = self.reader.join().unwrap_or_default();
        let lost = std::fs::read_to_string(self.dir.join("per_cpu/cpu0/stats"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("overrun:"))
                    .and_then(|l| l[8..].trim().parse::<u64>().ok())
            })
            .unwrap_or(0);
        if lost > 0 {
            log.notes
                .push(format!("capability trace lost {lost} events"));
        }
        for ev in [
            "capability/cap_capable",
            "sched/sched_process_exec",
            "raw_syscalls/sys_enter",
            "raw_syscalls/sys_exit",
        ] {
            let _ = write(&self.dir, &format!("events/{ev}/enable"), "0");
        }
        let _ = std::fs::remove_dir(&self.dir);
        log
    }
}

/// One parsed trace line: (pid, event, rest).
fn parse(line: &str) -> Option<(u32, &str, &str)> {
    let bracket = line.find(" [")?;
    let task = line[..bracket].trim();
    let pid = task.rsplit_once('-')?.1.parse().ok()?;
    let after = &line[bracket..];
    // "... 123.456789: event: rest"
    let colon = after.find(": ")?;
    let rest = &after[colon + 2..];
    let (event, body) = rest.split_once(": ")?;
    Some((pid, event, body))
}

fn number_after(body: &str, key: &str) -> Option<i64> {
    let i = body.find(key)? + key.len();
    let s: String = body[i..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    s.parse().ok()
}

/// The state of the line reader.
#[derive(Default)]
pub struct Parser {
    init: u32,
    started: bool,
    in_memory_call: HashSet<u32>,
    last_nr: HashMap<u32, i64>,
    /// What was found.
    pub log: CapLog,
}

impl Parser {
    /// A parser for the container whose init is `init`.
    pub fn new(init: u32) -> Parser {
        Parser {
            init,
            ..Parser::default()
        }
    }

    /// One line of `trace_pipe`.
    pub fn line(&mut self, line: &str) {
        let Some((pid, event, body)) = parse(line) else {
            return;
        };
        match event {
            "sched_process_exec" if pid == self.init => {
                self.started = true;
            }
            "sys_enter" => {
                if let Some(nr) = number_after(body, "NR ") {
                    self.in_memory_call.insert(pid);
                    self.last_nr.insert(pid, nr);
                }
            }
            "sys_exit" => {
                self.in_memory_call.remove(&pid);
                // "NR 41 = -1": EPERM.
                if self.started
                    && body.ends_with("= -1")
                    && let Some(nr) = number_after(body, "NR ")
                {
                    let (_, name) = super::notify::name(0xc000_003e, nr as i32);
                    self.log.eperm.insert(name);
                }
            }
            "cap_capable" if self.started => {
                let (Some(cap), Some(ret)) =
                    (number_after(body, "cap "), number_after(body, "ret "))
                else {
                    return;
                };
                if cap as u32 == CAP_SYS_ADMIN && self.in_memory_call.contains(&pid) {
                    return; // cap_vm_enough_memory
                }
                let name = NAMES
                    .get(cap as usize)
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| format!("CAP_{cap}"));
                if ret == 0 {
                    self.log.granted.insert(name);
                } else {
                    self.log.denied.insert(name);
                }
            }
            _ => {}
        }
    }
}

fn read(mut pipe: std::fs::File, init: i32, stop: &AtomicBool) -> CapLog {
    let mut p = Parser::new(init as u32);
    let mut buf = vec![0u8; 1 << 16];
    let mut pending = String::new();
    let mut idle_after_stop = 0;
    loop {
        match pipe.read(&mut buf) {
            Ok(0) | Err(_) => {
                if stop.load(Ordering::SeqCst) {
                    idle_after_stop += 1;
                    if idle_after_stop > 3 {
                        break;
                    }
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Ok(n) => {
                pending.push_str(&String::from_utf8_lossy(&buf[..n]));
                while let Some(i) = pending.find('\n') {
                    let line: String = pending.drain(..=i).collect();
                    p.line(line.trim_end());
                }
            }
        }
    }
    p.log
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_after_exec_and_drops_memory_accounting_noise() {
        let mut p = Parser::new(100);
        // Before the init's exec: the runtime's own checks.
        p.line("          <...>-100     [001] .....    10.000001: cap_capable: cred 0000000011, target_ns 0000000022, capable_ns 0000000022, cap 8, ret 0");
        p.line("              sh-100     [001] .....    10.000002: sched_process_exec: filename=/bin/sh pid=100 old_pid=100");
        p.line("              sh-100     [001] .....    10.000003: sys_enter: NR 9 (0, 1000, 3, 22, ffffffff, 0)");
        p.line("              sh-100     [001] .....    10.000004: cap_capable: cred 0000000011, target_ns 0000000022, capable_ns 0000000022, cap 21, ret 0");
        p.line("              sh-100     [001] .....    10.000005: sys_exit: NR 9 = 140000");
        p.line("            ping-101     [000] .....    10.000006: cap_capable: cred 0000000011, target_ns 0000000022, capable_ns 0000000022, cap 13, ret 0");
        p.line("           chown-102     [000] .....    10.000007: cap_capable: cred 0000000011, target_ns 0000000022, capable_ns 0000000022, cap 0, ret -1");
        assert_eq!(p.log.granted, BTreeSet::from(["CAP_NET_RAW".to_string()]));
        assert_eq!(p.log.denied, BTreeSet::from(["CAP_CHOWN".to_string()]));
    }
}
