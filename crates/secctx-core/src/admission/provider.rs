//! An SCC with the namespace's preallocated values filled in (`sccmatching/matcher.go`, spec
//! §3.3): the uid range, the MCS level, the fsGroup and supplemental group ranges.

use std::collections::BTreeMap;

use super::allocation::{MCS_ANNOTATION, SUPPLEMENTAL_GROUPS_ANNOTATION, UID_RANGE_ANNOTATION};
use super::block::Block;
use super::scc::{IdRange, MustOrAny, RunAsUserType, Scc, SeLinuxOptions};

/// The namespace as admission sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NamespaceInfo {
    /// Its name.
    pub name: String,
    /// Its annotations.
    pub annotations: BTreeMap<String, String>,
}

/// The uid rule, resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UidRule {
    /// Exactly this uid.
    Exact(i64),
    /// Within [min, max].
    Range(i64, i64),
    /// Not 0.
    NonRoot,
    /// Anything.
    Any,
}

/// An SCC ready to mutate and validate pods of one namespace.
#[derive(Clone, Debug)]
pub struct Provider<'a> {
    /// The SCC.
    pub scc: &'a Scc,
    /// runAsUser.
    pub uid: UidRule,
    /// Where the uid range came from, when from the namespace.
    pub uid_from_namespace: bool,
    /// SELinux options for MustRunAs (level resolved), `None` for RunAsAny.
    pub selinux: Option<SeLinuxOptions>,
    /// Whether the level came from the namespace.
    pub selinux_from_namespace: bool,
    /// fsGroup ranges for MustRunAs, `None` for RunAsAny.
    pub fs_group: Option<Vec<IdRange>>,
    /// supplementalGroups ranges for MustRunAs, `None` for RunAsAny.
    pub supplemental_groups: Option<Vec<IdRange>>,
    /// Whether the group ranges came from the namespace (fsGroup, supplementalGroups).
    pub groups_from_namespace: (bool, bool),
}

fn missing(kind: &str, ns: &str, scc: &str, annotation: &str) -> String {
    format!(
        "unable to find pre-allocated {kind} annotation for namespace {ns} while trying to configure SCC {scc}: error fetching namespace \"{ns}\": unable to find annotation {annotation}"
    )
}

fn parse_err(kind: &str, ns: &str, scc: &str, e: String) -> String {
    format!(
        "unable to find pre-allocated {kind} annotation for namespace {ns} while trying to configure SCC {scc}: {e}"
    )
}

/// The namespace's group blocks: supplemental-groups, else the uid range.
fn group_blocks(ns: &NamespaceInfo, scc: &str) -> Result<Vec<Block>, String> {
    let (value, ann) = match ns.annotations.get(SUPPLEMENTAL_GROUPS_ANNOTATION) {
        Some(v) => (v, SUPPLEMENTAL_GROUPS_ANNOTATION),
        None => match ns.annotations.get(UID_RANGE_ANNOTATION) {
            Some(v) => (v, UID_RANGE_ANNOTATION),
            None => {
                return Err(missing(
                    "group",
                    &ns.name,
                    scc,
                    SUPPLEMENTAL_GROUPS_ANNOTATION,
                ));
            }
        },
    };
    let _ = ann;
    let blocks = Block::parse_list(value).map_err(|e| parse_err("group", &ns.name, scc, e))?;
    if blocks.is_empty() {
        return Err(missing(
            "group",
            &ns.name,
            scc,
            SUPPLEMENTAL_GROUPS_ANNOTATION,
        ));
    }
    Ok(blocks)
}

impl<'a> Provider<'a> {
    /// Fills the SCC's namespace-dependent values; an error names the missing annotation.
    pub fn new(scc: &'a Scc, ns: &NamespaceInfo) -> Result<Provider<'a>, String> {
        let r = &scc.run_as_user;
        let (uid, uid_from_namespace) = match r.type_ {
            RunAsUserType::MustRunAs => match r.uid {
                Some(u) => (UidRule::Exact(u), false),
                None => {
                    return Err(format!("MustRunAs requires a UID (SCC {})", scc.name));
                }
            },
            RunAsUserType::MustRunAsRange => match (r.uid_range_min, r.uid_range_max) {
                (None, None) => {
                    let v = ns
                        .annotations
                        .get(UID_RANGE_ANNOTATION)
                        .ok_or_else(|| missing("uid", &ns.name, &scc.name, UID_RANGE_ANNOTATION))?;
                    let b =
                        Block::parse(v).map_err(|e| parse_err("uid", &ns.name, &scc.name, e))?;
                    (UidRule::Range(b.start.into(), b.end.into()), true)
                }
                (Some(a), Some(b)) => (UidRule::Range(a, b), false),
                _ => {
                    return Err(format!(
                        "MustRunAsRange requires both uidRangeMin and uidRangeMax (SCC {})",
                        scc.name
                    ));
                }
            },
            RunAsUserType::MustRunAsNonRoot => (UidRule::NonRoot, false),
            RunAsUserType::RunAsAny => (UidRule::Any, false),
        };
        let (selinux, selinux_from_namespace) = match scc.se_linux_context.type_ {
            MustOrAny::RunAsAny => (None, false),
            MustOrAny::MustRunAs => {
                let mut opts = scc
                    .se_linux_context
                    .se_linux_options
                    .clone()
                    .unwrap_or_default();
                if opts.level.as_deref().unwrap_or("").is_empty() {
                    let mcs = ns
                        .annotations
                        .get(MCS_ANNOTATION)
                        .ok_or_else(|| missing("mcs", &ns.name, &scc.name, MCS_ANNOTATION))?;
                    opts.level = Some(mcs.clone());
                    (Some(opts), true)
                } else {
                    (Some(opts), false)
                }
            }
        };
        let groups = |g: &super::scc::GroupStrategy,
                      single: bool|
         -> Result<(Option<Vec<IdRange>>, bool), String> {
            match g.kind() {
                MustOrAny::RunAsAny => Ok((None, false)),
                MustOrAny::MustRunAs => match &g.ranges {
                    Some(r) if !r.is_empty() => Ok((Some(r.clone()), false)),
                    _ => {
                        let blocks = group_blocks(ns, &scc.name)?;
                        let ranges = if single {
                            // fsGroup: the first gid of the first block only.
                            vec![IdRange {
                                min: blocks[0].start.into(),
                                max: blocks[0].start.into(),
                            }]
                        } else {
                            blocks
                                .iter()
                                .map(|b| IdRange {
                                    min: b.start.into(),
                                    max: b.end.into(),
                                })
                                .collect()
                        };
                        Ok((Some(ranges), true))
                    }
                },
            }
        };
        let (fs_group, fs_ns) = groups(&scc.fs_group, true)?;
        let (supplemental_groups, sup_ns) = groups(&scc.supplemental_groups, false)?;
        Ok(Provider {
            scc,
            uid,
            uid_from_namespace,
            selinux,
            selinux_from_namespace,
            fs_group,
            supplemental_groups,
            groups_from_namespace: (fs_ns, sup_ns),
        })
    }
}
