//! `secctx check --suggest` as text: per namespace, the suggested enforce level and version, the
//! `kubectl label` command, and for each stricter target the findings that block it.

use std::fmt::Write as _;

use secctx_core::check::suggest::{NamespaceSuggestion, Stricter, SuggestReport};
use secctx_core::pss::Level;

use super::check_text::counted;

fn at(file: &str, pos: secctx_core::yaml::Pos) -> String {
    format!("{file}:{}:{}", pos.line, pos.column)
}

fn stricter(out: &mut String, n: &NamespaceSuggestion, s: &Stricter) {
    let judged = n.workloads - n.exempt;
    let _ = write!(
        out,
        "  {} is blocked by {} of {}",
        s.target,
        s.blockers.len(),
        counted(judged, "workload")
    );
    match s.passes_at {
        Some(v) if s.target.level != n.decision.enforce.level => {
            let _ = writeln!(
                out,
                " ({} passes at {v}, an older version that checks less):",
                s.target.level
            );
        }
        _ => out.push_str(":\n"),
    }
    for b in &s.blockers {
        for v in &b.violations {
            let pos = v.fields.first().map_or(b.pos, |f| f.pos);
            let text = if v.detail.is_empty() {
                v.reason.clone()
            } else {
                format!("{} ({})", v.reason, v.detail)
            };
            let _ = writeln!(
                out,
                "    {}: {} {:?} [{}]: {text}",
                at(&b.file, pos),
                b.kind,
                b.name,
                v.check
            );
        }
    }
}

/// Renders one namespace.
pub fn render_namespace(out: &mut String, n: &NamespaceSuggestion) {
    let e = n.decision.enforce;
    let mut counts = counted(n.workloads, "workload");
    if n.exempt > 0 {
        let _ = write!(counts, ", {} exempt", n.exempt);
    }
    let source = match &n.declared {
        Some((file, pos)) => format!("its Namespace at {}", at(file, *pos)),
        None => "the defaults".to_owned(),
    };
    let _ = writeln!(
        out,
        "namespace {:?}: enforce {e} ({counts}; now {}, from {source})",
        n.namespace, n.current
    );
    if e.level != Level::Privileged && !e.version.is_latest() {
        let _ = writeln!(
            out,
            "  pinned: {} fails at latest; {} is the newest version every workload passes (an older version checks less)",
            e.level, e.version
        );
    }
    let _ = writeln!(out, "  {}", n.command());
    for s in &n.stricter {
        stricter(out, n, s);
    }
}

/// Renders every namespace, blank-line separated.
pub fn render(report: &SuggestReport) -> String {
    let mut out = String::new();
    for (i, n) in report.namespaces.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        render_namespace(&mut out, n);
    }
    out
}

/// `suggested levels for N namespaces (W workloads from F files): R restricted, B baseline,
/// P privileged (K pinned to an older version)[, I input errors]`.
pub fn summary(report: &SuggestReport, files: usize, input_errors: usize) -> String {
    let count = |l: Level| {
        report
            .namespaces
            .iter()
            .filter(|n| n.decision.enforce.level == l)
            .count()
    };
    let pinned = report
        .namespaces
        .iter()
        .filter(|n| n.decision.latest.is_some())
        .count();
    let workloads: usize = report.namespaces.iter().map(|n| n.workloads).sum();
    let mut s = format!(
        "suggested levels for {} ({} from {}): {} restricted, {} baseline, {} privileged ({pinned} pinned to an older version)",
        counted(report.namespaces.len(), "namespace"),
        counted(workloads, "workload"),
        counted(files, "file"),
        count(Level::Restricted),
        count(Level::Baseline),
        count(Level::Privileged),
    );
    if input_errors > 0 {
        let _ = write!(s, ", {}", counted(input_errors, "input error"));
    }
    s
}
