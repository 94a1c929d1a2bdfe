//! Signal names and numbers as runc's `kill` takes them (`SIGKILL`, `KILL`, `9`).

/// Linux signal names and numbers (x86-64); real-time signals as `RTMIN+N`.
const SIGNALS: [(&str, i32); 31] = [
    ("HUP", libc::SIGHUP),
    ("INT", libc::SIGINT),
    ("QUIT", libc::SIGQUIT),
    ("ILL", libc::SIGILL),
    ("TRAP", libc::SIGTRAP),
    ("ABRT", libc::SIGABRT),
    ("IOT", libc::SIGIOT),
    ("BUS", libc::SIGBUS),
    ("FPE", libc::SIGFPE),
    ("KILL", libc::SIGKILL),
    ("USR1", libc::SIGUSR1),
    ("SEGV", libc::SIGSEGV),
    ("USR2", libc::SIGUSR2),
    ("PIPE", libc::SIGPIPE),
    ("ALRM", libc::SIGALRM),
    ("TERM", libc::SIGTERM),
    ("STKFLT", libc::SIGSTKFLT),
    ("CHLD", libc::SIGCHLD),
    ("CONT", libc::SIGCONT),
    ("STOP", libc::SIGSTOP),
    ("TSTP", libc::SIGTSTP),
    ("TTIN", libc::SIGTTIN),
    ("TTOU", libc::SIGTTOU),
    ("URG", libc::SIGURG),
    ("XCPU", libc::SIGXCPU),
    ("XFSZ", libc::SIGXFSZ),
    ("VTALRM", libc::SIGVTALRM),
    ("PROF", libc::SIGPROF),
    ("WINCH", libc::SIGWINCH),
    ("IO", libc::SIGIO),
    ("SYS", libc::SIGSYS),
];

/// The signal number of `s`: a number (1..=64), or a name with or without `SIG`.
pub fn parse(s: &str) -> anyhow::Result<i32> {
    if let Ok(n) = s.parse::<i32>() {
        if (1..=64).contains(&n) {
            return Ok(n);
        }
        anyhow::bail!("invalid signal {s:?}: numbers are 1 to 64");
    }
    let upper = s.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    if let Some((_, n)) = SIGNALS.iter().find(|(k, _)| *k == name) {
        return Ok(*n);
    }
    let rt = |base: i32, off: &str| -> Option<i32> {
        let off: i32 = if off.is_empty() { 0 } else { off.parse().ok()? };
        let n = base + off;
        (libc::SIGRTMIN()..=libc::SIGRTMAX())
            .contains(&n)
            .then_some(n)
    };
    let parsed = if let Some(off) = name.strip_prefix("RTMIN") {
        rt(libc::SIGRTMIN(), off.trim_start_matches('+'))
    } else if let Some(off) = name.strip_prefix("RTMAX") {
        off.strip_prefix('-')
            .or(off.is_empty().then_some(""))
            .and_then(|o| rt(libc::SIGRTMAX(), "").map(|m| m - o.parse::<i32>().unwrap_or(0)))
            .filter(|n| *n >= libc::SIGRTMIN())
    } else {
        None
    };
    parsed.ok_or_else(|| anyhow::anyhow!("unknown signal {s:?}"))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn names_and_numbers_as_runc_takes_them() {
        assert_eq!(parse("SIGKILL").unwrap(), 9);
        assert_eq!(parse("KILL").unwrap(), 9);
        assert_eq!(parse("kill").unwrap(), 9);
        assert_eq!(parse("9").unwrap(), 9);
        assert_eq!(parse("SIGTERM").unwrap(), 15);
        assert_eq!(parse("SIGUSR1").unwrap(), 10);
        assert_eq!(parse("RTMIN+1").unwrap(), libc::SIGRTMIN() + 1);
        assert!(parse("0").is_err());
        assert!(parse("SIGNOPE").is_err());
    }
}
