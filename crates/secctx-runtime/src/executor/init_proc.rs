//! The container's init as a process, not a number: `state.json` records init's pid *and* its
//! start time, and whatever acts on init (`state`, `kill`, `exec`, `delete`) first pins the
//! process with descriptors (`/proc/<pid>` and a pidfd), then checks the start time through
//! them. A pid is reused once its process is gone; with containerd's shim as the reaper no
//! `exit` file is written, so without this check a host process that got init's old pid
//! read as the container's `running` init: `kill` signalled it, `delete --force` SIGKILLed
//! it, and `exec` joined its namespaces (the host's) and ran on the host.
//!
//! Both descriptors keep naming the same process after it exits (lookups through them then
//! fail), so a check made through them holds for every later use.

use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use super::sys;

/// Field 22 of `/proc/<pid>/stat` (start time in clock ticks since boot), parsed after the
/// last `)` (the command name may hold spaces and parentheses).
pub fn parse_start(stat: &str) -> Option<u64> {
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(19))
        .and_then(|v| v.parse().ok())
}

/// Start time of `pid` now, 0 when it does not exist.
pub fn start_time(pid: i32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| parse_start(&s))
        .unwrap_or(0)
}

/// Init, pinned: its `/proc/<pid>` directory and a pidfd, checked against the recorded start
/// time.
#[derive(Debug)]
pub struct InitProc {
    dir: OwnedFd,
    pidfd: OwnedFd,
}

impl InitProc {
    /// Pins `pid` and checks it is still the process that started at `start` (a state written
    /// by an older secctx has 0: not checked). `None` when it is gone, a zombie, or another
    /// process now has the pid.
    pub fn open(pid: i32, start: u64) -> Option<InitProc> {
        if pid <= 0 {
            return None;
        }
        // The pidfd first: if the directory's process passes the check below, it has had
        // this pid since before the pidfd was opened, so the pidfd names it too.
        let pidfd = sys::pidfd_open(pid).ok()?;
        let proc_dir = std::fs::File::open("/proc").ok()?;
        let dir = sys::openat(
            proc_dir.as_fd(),
            Path::new(&pid.to_string()),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW,
        )
        .ok()?;
        let stat = sys::openat(dir.as_fd(), Path::new("stat"), libc::O_RDONLY).ok()?;
        let text = std::io::read_to_string(std::fs::File::from(stat)).ok()?;
        let state = text
            .rsplit_once(')')
            .and_then(|(_, r)| r.split_whitespace().next());
        if matches!(state, Some("Z" | "X") | None) {
            return None;
        }
        if start != 0 && parse_start(&text) != Some(start) {
            return None;
        }
        Some(InitProc { dir, pidfd })
    }

    /// Sends `signal` to this very process (never to a later owner of its pid).
    pub fn signal(&self, signal: i32) -> std::io::Result<()> {
        sys::pidfd_send_signal(self.pidfd.as_fd(), signal)
    }

    /// Opens `/proc/<pid>/<name>` of this very process (`ns/net`, `root`) with `flags`.
    pub fn open_at(&self, name: &str, flags: i32) -> std::io::Result<OwnedFd> {
        sys::openat(self.dir.as_fd(), Path::new(name), flags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_time_survives_odd_command_names() {
        let stat = "42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 0 0";
        assert_eq!(parse_start(stat), Some(987654));
        assert_eq!(parse_start("garbage"), None);
    }

    #[test]
    fn a_process_is_pinned_only_with_its_own_start_time() {
        let me = std::process::id() as i32;
        let start = start_time(me);
        assert_ne!(start, 0);
        assert!(InitProc::open(me, start).is_some());
        assert!(
            InitProc::open(me, 0).is_some(),
            "an old state (no start) is not checked"
        );
        assert!(
            InitProc::open(me, start + 1).is_none(),
            "another start time is another process"
        );
        let p = InitProc::open(me, start).unwrap();
        assert!(p.open_at("ns/mnt", libc::O_RDONLY).is_ok());
        assert!(p.signal(0).is_ok());
    }

    #[test]
    fn an_exited_process_is_not_pinned_and_a_pinned_one_goes_stale() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let start = start_time(pid);
        let pinned = InitProc::open(pid, start).unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(InitProc::open(pid, start).is_none());
        // The old descriptors do not follow the pid to a new owner.
        assert!(pinned.open_at("ns/mnt", libc::O_RDONLY).is_err());
        assert!(pinned.signal(0).is_err());
    }
}
