//! Observations + the pod spec → the tightest pod spec the run supports, each field with the
//! observation it came from.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, EmptyDirVolumeSource, PodSpec, SeccompProfile, SecurityContext, Volume,
    VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::observed::Observed;
use super::paths::{RootDecision, decide};
use crate::pss::{Level, LevelVersion, Version, evaluate};

/// The uid (and gid) a container that ran as root without needing it is moved to.
pub const NONROOT_ID: i64 = 65534;

/// Why a field has its recorded value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldSource {
    /// The container.
    pub container: String,
    /// `securityContext.runAsUser`, `volumes`.
    pub field: String,
    /// The value, as YAML would show it.
    pub value: String,
    /// The observation behind it.
    pub because: String,
}

/// The result of [`derive`].
#[derive(Clone, Debug)]
pub struct Derived {
    /// The recorded pod spec.
    pub spec: PodSpec,
    /// What each field was set from.
    pub sources: Vec<FieldSource>,
    /// What a person should look at.
    pub review: Vec<String>,
    /// Root filesystem decisions by container.
    pub roots: BTreeMap<String, RootDecision>,
    /// The strictest Pod Security level (latest version) the recorded pod passes.
    pub level: Level,
    /// For each stricter level it fails: the level and PSA's reasons.
    pub stricter_failures: Vec<(Level, String)>,
}

/// Options of [`derive`].
#[derive(Clone, Debug)]
pub struct DeriveOptions {
    /// `localhostProfile` of container `c` is `<profile_prefix>/<c>.json`.
    pub profile_prefix: String,
}

/// Strips `CAP_` (the Kubernetes spelling).
fn k8s_cap(name: &str) -> String {
    name.strip_prefix("CAP_").unwrap_or(name).to_string()
}

/// A DNS-1123 label for an emptyDir at `path`, unique among `taken`.
fn volume_name(path: &str, taken: &[String]) -> String {
    let mut base: String = path
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() { c } else { '-' }
        })
        .collect();
    base = base.trim_matches('-').to_string();
    while base.contains("--") {
        base = base.replace("--", "-");
    }
    base.truncate(48);
    let base = format!("rec-{}", base.trim_end_matches('-'));
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// Derives the recorded spec from `spec` and one [`Observed`] per container (by name;
/// containers without observations are left as they are and named in the review).
pub fn derive(
    meta: &ObjectMeta,
    spec: &PodSpec,
    observed: &[Observed],
    opts: &DeriveOptions,
) -> Derived {
    let mut out = spec.clone();
    let mut sources = Vec::new();
    let mut review = Vec::new();
    let mut roots = BTreeMap::new();
    let mut taken: Vec<String> = out
        .volumes
        .iter()
        .flatten()
        .map(|v| v.name.clone())
        .collect();
    let mut new_volumes = Vec::new();
    let init = out.init_containers.iter_mut().flatten();
    for c in out.containers.iter_mut().chain(init) {
        let Some(o) = observed.iter().find(|o| o.container == c.name) else {
            review.push(format!(
                "container {}: not observed (it did not run); left as it was",
                c.name
            ));
            continue;
        };
        let name = c.name.clone();
        let mut src = |field: &str, value: String, because: String| {
            sources.push(FieldSource {
                container: name.clone(),
                field: format!("securityContext.{field}"),
                value,
                because,
            })
        };
        let sc = c
            .security_context
            .get_or_insert_with(SecurityContext::default);
        // Capabilities: exactly those used.
        let add: Vec<String> = o.capabilities.iter().map(|n| k8s_cap(n)).collect();
        src(
            "capabilities",
            format!("drop: [ALL], add: [{}]", add.join(", ")),
            if add.is_empty() {
                "no granted capability check was needed (see the review for any shown unnecessary)"
                    .into()
            } else {
                format!(
                    "granted during the run, and a run without each one differed: {}",
                    o.capabilities
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        );
        sc.capabilities = Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            add: (!add.is_empty()).then_some(add.clone()),
        });
        if sc.privileged == Some(true) {
            sc.privileged = None;
            src(
                "privileged",
                "(removed)".into(),
                "the run's needs are the capabilities and paths recorded".into(),
            );
        }
        // Privilege escalation.
        if o.escalations.is_empty() {
            sc.allow_privilege_escalation = Some(false);
            src(
                "allowPrivilegeEscalation",
                "false".into(),
                "no process gained privileges through exec (no setuid/setgid or file-capability binary ran)".into(),
            );
        } else {
            sc.allow_privilege_escalation = Some(true);
            let list = o.escalations.iter().cloned().collect::<Vec<_>>().join(", ");
            src(
                "allowPrivilegeEscalation",
                "true".into(),
                format!("privileges gained through exec of {list}"),
            );
            review.push(format!(
                "container {}: allowPrivilegeEscalation stays true: {list} gained privileges through exec; drop the setuid bit or file capabilities in the image to tighten it",
                c.name
            ));
        }
        // Identity.
        let image_writes = o
            .written
            .iter()
            .any(|w| w.kind != super::WriteKind::Created);
        if o.started_uid != 0 {
            sc.run_as_non_root = Some(true);
            sc.run_as_user = Some(i64::from(o.started_uid));
            src(
                "runAsUser",
                o.started_uid.to_string(),
                "the container ran as this non-root uid".into(),
            );
        } else if add.is_empty() && o.escalations.is_empty() && !image_writes {
            sc.run_as_non_root = Some(true);
            sc.run_as_user = Some(NONROOT_ID);
            sc.run_as_group = Some(NONROOT_ID);
            src(
                "runAsUser",
                NONROOT_ID.to_string(),
                "it ran as root but used no capability and changed no image file; the verify run proves the non-root uid suffices".into(),
            );
        } else {
            let why = if !add.is_empty() {
                "capabilities are only effective for root (Kubernetes sets no ambient capabilities)"
            } else if !o.escalations.is_empty() {
                "it execs a binary that gains privileges"
            } else {
                "it changes image files, which root owns"
            };
            review.push(format!("container {}: runs as root: {why}", c.name));
        }
        // Root filesystem.
        let volumes: Vec<String> = c
            .volume_mounts
            .iter()
            .flatten()
            .map(|m| m.mount_path.clone())
            .collect();
        let d = decide(o, &volumes);
        if d.read_only() {
            sc.read_only_root_filesystem = Some(true);
            let because = if d.empty_dirs.is_empty() {
                "nothing was written outside volumes".to_string()
            } else {
                format!(
                    "every write is under the new emptyDirs {}",
                    d.empty_dirs.join(", ")
                )
            };
            src("readOnlyRootFilesystem", "true".into(), because);
            for path in &d.empty_dirs {
                let vname = volume_name(path, &taken);
                taken.push(vname.clone());
                c.volume_mounts
                    .get_or_insert_with(Vec::new)
                    .push(VolumeMount {
                        name: vname.clone(),
                        mount_path: path.clone(),
                        ..VolumeMount::default()
                    });
                new_volumes.push(Volume {
                    name: vname,
                    empty_dir: Some(EmptyDirVolumeSource::default()),
                    ..Volume::default()
                });
            }
        } else {
            for w in &d.image_changes {
                review.push(format!(
                    "container {}: image file {} was {:?}; readOnlyRootFilesystem stays unset (an emptyDir would hide the rest of its directory): copy it in an initContainer or change the image",
                    c.name,
                    w.path,
                    w.kind
                ));
            }
            for p in &d.uncovered {
                review.push(format!(
                    "container {}: {p} was created where no emptyDir can go (directly under / or in a non-empty image directory); readOnlyRootFilesystem stays unset",
                    c.name
                ));
            }
        }
        roots.insert(c.name.clone(), d);
        // Seccomp.
        let path = format!("{}/{}.json", opts.profile_prefix, c.name);
        sc.seccomp_profile = Some(SeccompProfile {
            type_: "Localhost".into(),
            localhost_profile: Some(path.clone()),
        });
        sources.push(FieldSource {
            container: c.name.clone(),
            field: "securityContext.seccompProfile".into(),
            value: format!("Localhost {path}"),
            because: format!(
                "{} distinct system calls seen ({} run(s)), the runtime's own calls after the filter included",
                o.syscall_names().len(),
                o.runs
            ),
        });
        for n in &o.notes {
            review.push(format!("container {}: {n}", c.name));
        }
        if !o.denied_capabilities.is_empty() {
            review.push(format!(
                "container {}: capability checks were refused during the run ({}); the run worked without them, so they are not added",
                c.name,
                o.denied_capabilities.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    if !new_volumes.is_empty() {
        out.volumes.get_or_insert_with(Vec::new).extend(new_volumes);
    }
    let (level, stricter_failures) = strictest(meta, &out);
    Derived {
        spec: out,
        sources,
        review,
        roots,
        level,
        stricter_failures,
    }
}

/// The strictest level `spec` passes at `latest`, and why each stricter one fails.
pub fn strictest(meta: &ObjectMeta, spec: &PodSpec) -> (Level, Vec<(Level, String)>) {
    let mut failures = Vec::new();
    for level in [Level::Restricted, Level::Baseline, Level::Privileged] {
        let e = evaluate(LevelVersion::new(level, Version::Latest), meta, spec);
        if e.is_allowed() {
            return (level, failures);
        }
        failures.push((level, e.forbidden_detail()));
    }
    (Level::Privileged, failures)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{WriteKind, Written};
    use k8s_openapi::api::core::v1::Container;

    fn spec() -> PodSpec {
        PodSpec {
            containers: vec![Container {
                name: "app".into(),
                image: Some("busybox".into()),
                ..Container::default()
            }],
            ..PodSpec::default()
        }
    }

    fn opts() -> DeriveOptions {
        DeriveOptions {
            profile_prefix: "secctx/p".into(),
        }
    }

    #[test]
    fn root_without_needs_becomes_restricted() {
        let o = Observed {
            container: "app".into(),
            runs: 1,
            written: vec![Written {
                path: "/tmp/x".into(),
                kind: WriteKind::Created,
                dir: false,
            }],
            image_dirs: [("/tmp".to_string(), true)].into(),
            ..Observed::default()
        };
        let d = derive(&ObjectMeta::default(), &spec(), &[o], &opts());
        let sc = d.spec.containers[0].security_context.clone().unwrap();
        assert_eq!(sc.run_as_user, Some(NONROOT_ID));
        assert_eq!(sc.read_only_root_filesystem, Some(true));
        assert_eq!(sc.allow_privilege_escalation, Some(false));
        assert_eq!(d.spec.volumes.as_ref().unwrap()[0].name, "rec-tmp");
        assert_eq!(d.level, Level::Restricted, "{:?}", d.stricter_failures);
    }

    #[test]
    fn a_capability_keeps_root_and_names_why() {
        let o = Observed {
            container: "app".into(),
            runs: 1,
            capabilities: ["CAP_NET_BIND_SERVICE".to_string()].into(),
            ..Observed::default()
        };
        let d = derive(&ObjectMeta::default(), &spec(), &[o], &opts());
        let sc = d.spec.containers[0].security_context.clone().unwrap();
        assert_eq!(
            sc.capabilities.unwrap().add,
            Some(vec!["NET_BIND_SERVICE".to_string()])
        );
        assert_eq!(sc.run_as_user, None);
        assert_eq!(d.level, Level::Baseline);
        assert!(
            d.stricter_failures[0].1.contains("runAsNonRoot"),
            "{:?}",
            d.stricter_failures
        );
        assert!(d.review.iter().any(|r| r.contains("runs as root")));
    }

    #[test]
    fn volume_names_are_labels_and_unique() {
        let taken = vec!["rec-var-log-app".to_string()];
        assert_eq!(volume_name("/var/log/app", &taken), "rec-var-log-app-2");
        assert_eq!(volume_name("/Data_Dir", &[]), "rec-data-dir");
    }
}
