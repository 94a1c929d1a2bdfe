//! `secctx explain` as text: per pod and container, what the process gets and where each value
//! came from.

use std::fmt::Write as _;

use secctx_core::caps::CapSet;
use secctx_core::load::Workload;
use secctx_core::oci::resources::{NamedResources, QuantityError, pod_resources};
use secctx_core::path::FieldPath;
use secctx_core::resolve::{
    AppArmorChoice, Fact, Known, NonRootVerdict, ResolvedContainer, ResolvedPod, SeccompChoice,
    Source,
};

/// How a workload is named: `pod/x`, `deployment.apps/y`.
pub fn object_name(w: &Workload) -> String {
    let group = match w.kind.resource().split_once('.') {
        Some((_, g)) => format!(".{g}"),
        None => String::new(),
    };
    format!("{}{group}/{}", w.kind.as_str().to_lowercase(), w.name())
}

struct Ctx<'a> {
    w: &'a Workload,
    /// The node runtime's own capabilities, when the node is not given every capability.
    runtime_caps: Option<CapSet>,
}

impl Ctx<'_> {
    /// A field path relative to the pod template, as written in the file, with its location.
    fn field(&self, path: &str) -> String {
        let rel = FieldPath::parse(path);
        let full = self.w.template_path().join(&rel);
        let (pos, found) = self.w.locate(&rel);
        let at = if found { "" } else { "near " };
        format!("{full} ({at}{}:{pos})", self.w.origin.file)
    }

    fn source(&self, s: &Source) -> String {
        match s {
            Source::ContainerField(p) | Source::PodField(p) | Source::Annotation(p) => {
                self.field(p)
            }
            other => other.describe(),
        }
    }

    fn fact<T>(&self, f: &Fact<T>, show: impl Fn(&T) -> String) -> (String, String) {
        match &f.value {
            Known::Known(v) => (show(v), self.source(&f.source)),
            Known::Unknown(r) => ("unknown".into(), r.to_string()),
        }
    }
}

fn line(out: &mut String, indent: usize, label: &str, value: &str, source: &str) {
    let pad = " ".repeat(indent);
    // A label as long as its column (a long volume name) keeps one space before the value.
    let spaced;
    let label = if label.len() >= 13 {
        spaced = format!("{label} ");
        spaced.as_str()
    } else {
        label
    };
    if source.is_empty() {
        let _ = writeln!(out, "{pad}{label:<13}{value}");
    } else if value.len() <= 22 {
        let _ = writeln!(out, "{pad}{label:<13}{value:<23}<- {source}");
    } else {
        let _ = writeln!(out, "{pad}{label:<13}{value}");
        let _ = writeln!(out, "{pad}{:<13}<- {source}", "");
    }
}

fn cap_names(set: CapSet) -> String {
    let names: Vec<&str> = set
        .names()
        .iter()
        .map(|n| n.trim_start_matches("CAP_"))
        .collect();
    if names.is_empty() {
        "none".into()
    } else if names.len() > 20 {
        format!("{} capabilities", names.len())
    } else {
        names.join(" ")
    }
}

/// Renders one pod.
pub fn render_pod(w: &Workload, pod: &ResolvedPod) -> String {
    let ctx = Ctx {
        w,
        runtime_caps: pod
            .node
            .runtime_caps
            .map(|h| CapSet(h.0 & CapSet::all(pod.node.cap_last_cap).0)),
    };
    let mut out = String::new();
    let pos = w.origin.pos();
    let _ = write!(out, "{}  {}:{pos}", object_name(w), w.origin.file);
    if w.kind != secctx_core::load::WorkloadKind::Pod {
        let _ = write!(out, "  (pod template {})", w.template_path());
    }
    out.push('\n');
    for r in &pod.rejections {
        let _ = writeln!(
            out,
            "  REJECTED by the kubelet before any container starts: reason {}, message {:?}",
            r.reason, r.message
        );
    }
    let uid = w.pod_meta.uid.clone().unwrap_or_default();
    let resources = pod_resources(&w.spec, &uid);
    for c in &pod.containers {
        let res = match &resources {
            Ok(r) => r.containers.iter().find(|n| n.name == c.name).map(Ok),
            Err(e) => Some(Err(e)),
        };
        render_container(&ctx, c, res, &mut out);
    }
    for v in &pod.volumes {
        let what = v
            .root
            .clone()
            .or_else(|| v.files.clone())
            .unwrap_or_else(|| "ownership not changed by the kubelet".into());
        line(
            &mut out,
            2,
            &format!("volume {}", v.name),
            &format!("{} {what}", v.kind),
            &ctx.source(&v.source),
        );
        if let (Some(_), Some(files)) = (&v.root, &v.files) {
            let _ = writeln!(out, "{:<15}{files}", "");
        }
        if let Some(n) = &v.note {
            let _ = writeln!(out, "{:<15}{n}", "");
        }
    }
    let ns = &pod.namespaces;
    let _ = writeln!(
        out,
        "  {:<13}network {}, pid {}, ipc {}, uts {}, user {}",
        "namespaces", ns.network, ns.pid, ns.ipc, ns.uts, ns.user
    );
    if ns.user == "pod" {
        // The range itself is allocated by `secctx run` (see `secctx inspect`).
        let _ = writeln!(
            out,
            "  {:<13}ids 0-65535 inside map to a host range of their own, allocated at run from the kubelet's pool (never below 65536); rootfs and volumes id-mapped, hostPath plain",
            "userns"
        );
    }
    if let Ok(r) = &resources {
        let pc = &r.pod_cgroup;
        line(
            &mut out,
            2,
            "qos",
            &format!("{:?}", pc.qos),
            "requests and limits of every container (GetPodQOS)",
        );
        let quota = pc.cpu_quota.map_or("no CFS quota".to_string(), |q| {
            format!("cpu.cfs_quota_us {q}")
        });
        let memory = pc
            .memory_limit
            .map_or("no memory limit".to_string(), |m| format!("memory {m}"));
        line(
            &mut out,
            2,
            "pod cgroup",
            &format!(
                "{}: cpu.shares {}, {quota}, {memory}",
                pc.path, pc.cpu_shares
            ),
            "the containers' summed requests and limits (ResourceConfigForPod)",
        );
    }
    for (name, value, src) in &pod.sysctls {
        line(
            &mut out,
            2,
            "sysctl",
            &format!("{name}={value}"),
            &ctx.source(src),
        );
    }
    out
}

/// cpu.shares, the CFS quota, the memory limit and oomScoreAdj, each with its source.
fn render_resources(ctx: &Ctx<'_>, n: &NamedResources, out: &mut String) {
    let r = &n.resources;
    // A source naming a field gets the field's place in the file, as the other lines do.
    let located = |source: &str| -> String {
        if !source.starts_with("spec.") {
            return source.to_string();
        }
        let end = source.find([':', ' ']).unwrap_or(source.len());
        format!("{}{}", ctx.field(&source[..end]), &source[end..])
    };
    line(
        out,
        4,
        "cpu.shares",
        &r.cpu_shares.value.to_string(),
        &located(&r.cpu_shares.source),
    );
    let quota = match r.cpu_quota.value {
        Some(q) => format!("{q} per {} µs", r.cpu_period),
        None => format!("none (period {})", r.cpu_period),
    };
    line(out, 4, "cpu quota", &quota, &located(&r.cpu_quota.source));
    let memory = r
        .memory_limit
        .value
        .map_or("unlimited".to_string(), |m| format!("{m} bytes"));
    line(out, 4, "memory", &memory, &located(&r.memory_limit.source));
    let oom = n
        .oom_score_adj
        .value
        .map_or("node-dependent".to_string(), |v| v.to_string());
    line(out, 4, "oomScoreAdj", &oom, &n.oom_score_adj.source);
}

fn render_container(
    ctx: &Ctx<'_>,
    c: &ResolvedContainer,
    res: Option<Result<&NamedResources, &QuantityError>>,
    out: &mut String,
) {
    let kind = match c.kind {
        secctx_core::resolve::ContainerKind::Init => "init container",
        secctx_core::resolve::ContainerKind::Regular => "container",
        secctx_core::resolve::ContainerKind::Ephemeral => "ephemeral container",
    };
    let image = match &c.image_source {
        Some(s) => format!("{} = {s}", c.image),
        None => format!("{} (no image data: --image {}=PATH)", c.image, c.image),
    };
    let _ = writeln!(out, "  {kind} {}  image {image}", c.name);
    if let Some(e) = &c.start_error {
        let _ = writeln!(out, "    DOES NOT START: {}: {}", e.reason, e.message);
    }
    let id = &c.identity;
    match c.id_line() {
        Some(l) => line(out, 4, "id", &l.to_string(), ""),
        None => line(out, 4, "id", "unknown (see below)", ""),
    }
    let (v, s) = ctx.fact(&id.uid, |u| u.to_string());
    line(out, 6, "uid", &v, &s);
    let (v, s) = ctx.fact(&id.gid, |g| g.to_string());
    line(out, 6, "gid", &v, &s);
    for (g, src) in id.groups.sources.iter() {
        line(out, 6, "group", &g.to_string(), &ctx.source(src));
    }
    if let Some(r) = &id.groups.incomplete {
        line(out, 6, "groups", "incomplete", r);
    }
    match c.caps.get() {
        Some(caps) => {
            for (label, set) in [
                ("CapInh", caps.inh),
                ("CapPrm", caps.prm),
                ("CapEff", caps.eff),
                ("CapBnd", caps.bnd),
                ("CapAmb", caps.amb),
            ] {
                let src = if label == "CapBnd" {
                    ctx.source(&c.caps.source)
                } else if label == "CapPrm" || label == "CapEff" {
                    match id.uid.get() {
                        Some(0) => "uid 0 keeps the bounding set after execve".into(),
                        Some(u) => format!("uid {u} is not root: nothing survives execve"),
                        None => String::new(),
                    }
                } else {
                    String::new()
                };
                line(out, 4, label, &set.to_string(), &src);
            }
            let _ = writeln!(out, "{:<17}{}", "", cap_names(caps.bnd));
            if let Some(held) = ctx.runtime_caps.filter(|h| caps.bnd == *h) {
                let _ = writeln!(
                    out,
                    "{:<17}<- node: privileged and ALL give the runtime's own capabilities {held}",
                    ""
                );
            }
        }
        None => {
            let (_, r) = ctx.fact(&c.caps, |_| String::new());
            line(out, 4, "Cap*", "unknown", &r);
            let _ = writeln!(out, "{:<17}bounding: {}", "", c.oci_caps.bounding.join(" "));
        }
    }
    if !c.ignored_caps.is_empty() {
        let _ = writeln!(
            out,
            "{:<17}runc: ignoring unknown or unavailable capabilities: [{}]",
            "",
            c.ignored_caps.join(" ")
        );
    }
    let (v, s) = ctx.fact(
        &c.no_new_privs,
        |b| if *b { "1".into() } else { "0".into() },
    );
    line(out, 4, "NoNewPrivs", &v, &s);
    let seccomp = match &c.seccomp.applied {
        SeccompChoice::Unconfined => "0 (none)".to_string(),
        SeccompChoice::RuntimeDefault => "2 (RuntimeDefault: containerd's profile)".to_string(),
        SeccompChoice::Localhost { path } => format!("2 (Localhost {path})"),
    };
    let seccomp_src = if *c.privileged.get().unwrap_or(&false) {
        "privileged: containerd applies no seccomp profile".to_string()
    } else {
        ctx.fact(&c.seccomp.requested, |_| String::new()).1
    };
    line(out, 4, "Seccomp", &seccomp, &seccomp_src);
    if let SeccompChoice::Localhost { path } = &c.seccomp.applied
        && let Some(why) = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| secctx_core::seccomp::parse_localhost(&t).ok())
            .and_then(|p| secctx_core::seccomp::execve_blocked(&p))
    {
        let _ = writeln!(
            out,
            "{:<17}warning: this profile blocks execve ({why}): the container cannot start (StartError, exit code 128)",
            ""
        );
    }
    let aa_req = match c.apparmor.requested.get() {
        Some(AppArmorChoice::NotSet) => "not set".to_string(),
        Some(AppArmorChoice::RuntimeDefault) => "RuntimeDefault".into(),
        Some(AppArmorChoice::Unconfined) => "Unconfined".into(),
        Some(AppArmorChoice::Localhost { name }) => format!("Localhost {name}"),
        None => "unknown".into(),
    };
    let aa = match &c.apparmor.applied {
        Some(p) => format!("{aa_req} -> profile {p}"),
        None => format!("{aa_req} -> none applied"),
    };
    line(
        out,
        4,
        "AppArmor",
        &aa,
        &ctx.source(&c.apparmor.requested.source),
    );
    let se = match c.selinux.requested.get() {
        Some(Some(o)) => {
            let opts = o.label_options().join(" ");
            if c.selinux.node_enabled {
                opts
            } else {
                format!("{opts} (not applied: SELinux is not enabled on the node)")
            }
        }
        _ => "none".into(),
    };
    line(
        out,
        4,
        "SELinux",
        &se,
        &ctx.source(&c.selinux.requested.source),
    );
    let (pm, pm_src) = ctx.fact(&c.proc_mount, |p| p.to_string());
    line(
        out,
        4,
        "/proc",
        &format!(
            "procMount {pm}: {} masked, {} read-only paths",
            c.masked_paths.len(),
            c.readonly_paths.len()
        ),
        &pm_src,
    );
    let (ro, ro_src) = ctx.fact(&c.read_only_root_filesystem, |b| {
        if *b {
            "read-only".into()
        } else {
            "read-write".into()
        }
    });
    line(out, 4, "rootfs", &ro, &ro_src);
    let nonroot = match &c.run_as_non_root {
        NonRootVerdict::NotRequested => "not requested".to_string(),
        NonRootVerdict::Passes => "passes".into(),
        NonRootVerdict::Fails(m) => format!("fails: {m}"),
        NonRootVerdict::Unknown(r) => format!("unknown: {r}"),
    };
    line(out, 4, "runAsNonRoot", &nonroot, "");
    if let Some(u) = &c.status_user() {
        let groups: Vec<String> = u
            .supplemental_groups
            .iter()
            .map(|g| g.to_string())
            .collect();
        line(
            out,
            4,
            "user.linux",
            &format!(
                "{{uid: {}, gid: {}, supplementalGroups: [{}]}}",
                u.uid,
                u.gid,
                groups.join(", ")
            ),
            "",
        );
    }
    match res {
        Some(Ok(n)) => render_resources(ctx, n, out),
        Some(Err(e)) => line(out, 4, "resources", &format!("unknown: {e}"), ""),
        None => {}
    }
    for n in &c.notes {
        let _ = writeln!(out, "    note: {}", n.message);
    }
}
