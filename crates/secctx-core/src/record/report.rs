//! The report `record` prints and writes: what was observed, each field's source, the Pod
//! Security level, what to review, and the verification's verdict.

use std::fmt::Write;

use super::derive::Derived;
use super::observed::Observed;

/// The verify run's outcome, as the report states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not run (`--no-verify`).
    NotRun,
    /// Same exit codes and outputs with the recorded manifest and profile enforced.
    Verified {
        /// How many verify runs passed.
        runs: u32,
    },
    /// A mismatch, with the evidence.
    Failed(Vec<String>),
}

/// The report text.
pub fn render(pod: &str, observed: &[Observed], d: &Derived, verdict: &Verdict) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "secctx record: pod {pod}");
    for o in observed {
        let _ = writeln!(
            s,
            "\ncontainer {} ({} run(s), exit code {}):",
            o.container, o.runs, o.exit_code
        );
        let _ = writeln!(
            s,
            "  syscalls: {} ({})",
            o.syscall_names().len(),
            o.syscalls.keys().cloned().collect::<Vec<_>>().join(", ")
        );
        let caps: Vec<&str> = o.capabilities.iter().map(String::as_str).collect();
        let _ = writeln!(
            s,
            "  capabilities used: {}",
            if caps.is_empty() {
                "none".to_string()
            } else {
                caps.join(", ")
            }
        );
        let uids: Vec<String> = o.uids.iter().map(u32::to_string).collect();
        let _ = writeln!(
            s,
            "  uids seen: {}; started as {}",
            uids.join(", "),
            o.started_uid
        );
        if !o.escalations.is_empty() {
            let e: Vec<&str> = o.escalations.iter().map(String::as_str).collect();
            let _ = writeln!(s, "  privilege-gaining execs: {}", e.join(", "));
        }
        if o.written.is_empty() {
            let _ = writeln!(s, "  written outside volumes: nothing");
        } else {
            let _ = writeln!(s, "  written outside volumes:");
            for w in &o.written {
                let _ = writeln!(
                    s,
                    "    {:<9} {}{}",
                    format!("{:?}", w.kind).to_lowercase(),
                    w.path,
                    if w.dir { "/" } else { "" }
                );
            }
        }
    }
    let _ = writeln!(s, "\nfields:");
    for f in &d.sources {
        let _ = writeln!(
            s,
            "  {}: {} = {}\n      because {}",
            f.container, f.field, f.value, f.because
        );
    }
    let _ = writeln!(s, "\nPod Security: passes {} (latest)", d.level);
    for (level, why) in &d.stricter_failures {
        let _ = writeln!(s, "  not {level}: {why}");
    }
    if !d.review.is_empty() {
        let _ = writeln!(s, "\nreview:");
        for r in &d.review {
            let _ = writeln!(s, "  - {r}");
        }
    }
    let _ = match verdict {
        Verdict::NotRun => writeln!(s, "\nverification: not run; the result is NOT verified"),
        Verdict::Verified { runs } => writeln!(
            s,
            "\nverification: verified ({runs} run(s) with the recorded manifest and profile enforced: same exit codes and outputs)"
        ),
        Verdict::Failed(why) => {
            let _ = writeln!(s, "\nverification: FAILED; the result is NOT verified");
            for w in why {
                let _ = writeln!(s, "  - {w}");
            }
            Ok(())
        }
    };
    s
}
