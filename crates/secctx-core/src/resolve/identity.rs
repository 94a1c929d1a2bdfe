//! uid, gid and additional gids: kubelet → CRI → containerd `WithUser` / `WithAdditionalGIDs`
//! → runc `setgroups`/`setgid`/`setuid`.
//!
//! - The kubelet sends `runAsUser` (container, else pod); without one, the image's numeric USER,
//!   its user name, or uid 0 when the image has no USER. The group part of the image USER is
//!   dropped on this path. `runAsGroup` has no image fallback.
//! - containerd's `WithUser("uid")` looks the uid up in the image's `/etc/passwd` for the
//!   primary gid (gid 0 when absent); `"uid:gid"` is taken as is; a user name must exist.
//! - Additional gids are the sorted set of the primary gid, the image `/etc/group` memberships
//!   (policy `Merge` only) and the CRI supplemental groups (`fsGroup`, `supplementalGroups`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use k8s_openapi::api::core::v1::PodSecurityContext;
use serde::Serialize;

use super::effective::EffectiveContext;
use super::fact::{Fact, Known, Source};
use super::quoted::Quoted;
use crate::image::ImageInfo;

/// The supplemental groups policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum GroupsPolicy {
    /// Image `/etc/group` memberships are merged (the default).
    Merge,
    /// Only the pod's groups.
    Strict,
}

/// What the kubelet sends as the CRI user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CriUser {
    /// `run_as_user`.
    Uid(i64),
    /// `run_as_username` (the image USER is a name).
    Username(String),
}

/// The additional gids of the process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Groups {
    /// Sorted, de-duplicated gids known to be in the set.
    pub gids: Vec<i64>,
    /// Where each gid came from (a gid can have several sources).
    pub sources: GidSources,
    /// Set when the list may be incomplete, with the reason (image memberships not known).
    pub incomplete: Option<String>,
}

/// Where each additional gid came from: `(gid, source)` pairs sorted by gid, the sources of
/// one gid in the order they were found (one list, not a list per gid). Serialized as an
/// object from gid to its sources.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GidSources(Vec<(i64, Source)>);

impl GidSources {
    /// Sorts pairs found in any order (stable: a gid's sources keep their order).
    fn from_found(mut found: Vec<(i64, Source)>) -> GidSources {
        found.sort_by_key(|(g, _)| *g);
        GidSources(found)
    }

    /// The pairs, by gid.
    pub fn iter(&self) -> impl Iterator<Item = &(i64, Source)> {
        self.0.iter()
    }

    /// The sources of one gid, in the order found.
    pub fn of(&self, gid: i64) -> impl Iterator<Item = &Source> {
        self.0
            .iter()
            .filter(move |(g, _)| *g == gid)
            .map(|(_, s)| s)
    }

    /// The distinct gids, sorted.
    pub fn gids(&self) -> Vec<i64> {
        let mut out: Vec<i64> = Vec::with_capacity(self.0.len());
        for (g, _) in &self.0 {
            if out.last() != Some(g) {
                out.push(*g);
            }
        }
        out
    }
}

impl Serialize for GidSources {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct Of<'a>(&'a [(i64, Source)]);
        impl Serialize for Of<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(|(_, src)| src))
            }
        }
        let groups = self.0.chunk_by(|a, b| a.0 == b.0);
        let mut m = s.serialize_map(Some(groups.clone().count()))?;
        for chunk in groups {
            m.serialize_entry(&chunk[0].0, &Of(chunk))?;
        }
        m.end()
    }
}

/// The process identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// What the kubelet sends to the runtime.
    pub cri_user: Fact<CriUser>,
    /// `runAsGroup`, when set.
    pub cri_group: Option<i64>,
    /// The uid.
    pub uid: Fact<i64>,
    /// The primary gid.
    pub gid: Fact<i64>,
    /// The additional gids (`process.user.additionalGids`).
    pub groups: Groups,
    /// The policy applied.
    pub policy: GroupsPolicy,
    /// containerd's error when the user cannot be set (`no users found`).
    pub error: Option<String>,
    /// The user name of the uid in the image, if any.
    pub uid_name: Option<String>,
    /// Group names of the gids in the image.
    pub group_names: BTreeMap<i64, String>,
    /// Owner and mode of the image's `/etc/passwd` and `/etc/group`, when known: `id` can only
    /// print names from files the process can read.
    pub name_files: (
        Option<crate::image::FileMeta>,
        Option<crate::image::FileMeta>,
    ),
}

impl Identity {
    /// The line `id` prints in the container, e.g. `uid=1000 gid=3000 groups=2000,3000,4000`
    /// or `uid=0(root) gid=0(root) groups=0(root)`: a name is printed when the image has one
    /// and the process can read the file it is in. `dac_override`: the process holds
    /// CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH. `None` when the uid or gid is unknown.
    pub fn id_line(&self, dac_override: bool) -> Option<String> {
        self.id_line_display(dac_override).map(|l| l.to_string())
    }

    /// [`Identity::id_line`], written only when displayed or serialized (as a string).
    pub fn id_line_display(&self, dac_override: bool) -> Option<IdLine<'_>> {
        Some(IdLine {
            uid: *self.uid.get()?,
            gid: *self.gid.get()?,
            identity: self,
            dac_override,
        })
    }
}

/// The line `id` prints in the container ([`Identity::id_line`]); `Display` writes it and
/// `Serialize` writes it as a string, so no string is kept.
#[derive(Clone, Copy, Debug)]
pub struct IdLine<'a> {
    uid: i64,
    gid: i64,
    identity: &'a Identity,
    dac_override: bool,
}

impl std::fmt::Display for IdLine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (uid, gid, id) = (self.uid, self.gid, self.identity);
        let can_read = |meta: Option<crate::image::FileMeta>| {
            meta.is_none_or(|m| m.readable_by(uid, gid, &id.groups.gids, self.dac_override))
        };
        let (passwd_ok, group_ok) = (can_read(id.name_files.0), can_read(id.name_files.1));
        let named =
            |f: &mut std::fmt::Formatter<'_>, n: i64, name: Option<&String>, ok: bool| match name {
                Some(name) if ok => write!(f, "{n}({name})"),
                _ => write!(f, "{n}"),
            };
        f.write_str("uid=")?;
        named(f, uid, id.uid_name.as_ref(), passwd_ok)?;
        f.write_str(" gid=")?;
        named(f, gid, id.group_names.get(&gid), group_ok)?;
        for (i, g) in id.groups.gids.iter().enumerate() {
            f.write_str(if i == 0 { " groups=" } else { "," })?;
            named(f, *g, id.group_names.get(g), group_ok)?;
        }
        Ok(())
    }
}

impl Serialize for IdLine<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `depends on image "x", which secctx was not given (...)`, written into the caller's
/// `format!` (no string of its own).
struct ImageMissing<'a>(&'a str);

impl std::fmt::Display for ImageMissing<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let image = self.0;
        write!(
            f,
            "depends on image {}, which secctx was not given (use --image {image}=PATH)",
            Quoted(image)
        )
    }
}

fn image_missing(image: &str) -> ImageMissing<'_> {
    ImageMissing(image)
}

/// The CRI user the kubelet sends (`determineEffectiveSecurityContext` + `getImageUser`).
pub fn cri_user(
    eff: &EffectiveContext<'_>,
    image_name: &str,
    image: Option<&ImageInfo>,
) -> Fact<CriUser> {
    if let Some(u) = &eff.run_as_user {
        return Fact::known(CriUser::Uid(u.value), u.source.clone());
    }
    let Some(img) = image else {
        return Fact::unknown(
            format!(
                "runAsUser is unset, so the image USER decides; {}",
                image_missing(image_name)
            ),
            Source::Image("config User".into()),
        );
    };
    let user = img.user.split(':').next().unwrap_or("");
    if user.is_empty() {
        return Fact::known(
            CriUser::Uid(0),
            Source::RuntimeDefault("the image has no USER, so the kubelet sends uid 0".into()),
        );
    }
    match user.parse::<i64>() {
        Ok(uid) => Fact::known(
            CriUser::Uid(uid),
            Source::Image(format!("config User {}", Quoted(&img.user)).into()),
        ),
        Err(_) => Fact::known(
            CriUser::Username(user.to_string()),
            Source::Image(format!("config User {}", Quoted(&img.user)).into()),
        ),
    }
}

/// Resolves the identity of one container.
pub fn resolve_identity(
    eff: &EffectiveContext<'_>,
    pod_sc: Option<&PodSecurityContext>,
    image_name: &str,
    image: Option<&ImageInfo>,
) -> Identity {
    let cri_user = cri_user(eff, image_name, image);
    let cri_group = eff.run_as_group.as_ref().map(|g| g.value);
    let group_source = eff.run_as_group.as_ref().map(|g| g.source.clone());
    let mut error = None;

    // containerd WithUser.
    let (uid, gid): (Fact<i64>, Fact<i64>) = match &cri_user.value {
        Known::Unknown(r) => (
            Fact::unknown(r.clone(), cri_user.source.clone()),
            match (cri_group, &group_source) {
                (Some(g), Some(src)) => Fact::known(g, src.clone()),
                _ => Fact::unknown(r.clone(), cri_user.source.clone()),
            },
        ),
        Known::Known(CriUser::Uid(u)) => {
            let uid = Fact::known(*u, cri_user.source.clone());
            let gid = match (cri_group, &group_source) {
                (Some(g), Some(src)) => Fact::known(g, src.clone()),
                _ => primary_gid_of_uid(*u, image_name, image),
            };
            (uid, gid)
        }
        Known::Known(CriUser::Username(name)) => match image.and_then(|i| i.user_by_name(name)) {
            Some(entry) => {
                let src =
                    Source::Image(format!("/etc/passwd entry {}", Quoted(&entry.name)).into());
                let gid = match (cri_group, &group_source) {
                    (Some(g), Some(s)) => Fact::known(g, s.clone()),
                    _ => Fact::known(entry.gid, src.clone()),
                };
                (Fact::known(entry.uid, src), gid)
            }
            None => {
                error = Some("no users found".to_string());
                let reason = format!(
                    "user {name:?} is not in the image's /etc/passwd: containerd fails with \"no users found\""
                );
                (
                    Fact::unknown(reason.clone(), cri_user.source.clone()),
                    Fact::unknown(reason, cri_user.source.clone()),
                )
            }
        },
    };

    let policy = match pod_sc.and_then(|p| p.supplemental_groups_policy.as_deref()) {
        Some("Strict") => GroupsPolicy::Strict,
        _ => GroupsPolicy::Merge,
    };
    let groups = resolve_groups(&cri_user, &gid, pod_sc, policy, image_name, image);

    let uid_name = uid
        .get()
        .and_then(|u| image.and_then(|i| i.user_by_uid(*u)))
        .map(|e| e.name.clone());
    let mut group_names = BTreeMap::new();
    if let Some(img) = image {
        for g in groups.gids.iter().chain(gid.get()) {
            if let Some(e) = img.group_by_gid(*g) {
                group_names.insert(*g, e.name.clone());
            }
        }
    }
    let name_files = image.map_or((None, None), |i| (i.passwd.meta(), i.group.meta()));
    Identity {
        cri_user,
        cri_group,
        uid,
        gid,
        groups,
        policy,
        error,
        uid_name,
        group_names,
        name_files,
    }
}

fn primary_gid_of_uid(uid: i64, image_name: &str, image: Option<&ImageInfo>) -> Fact<i64> {
    let Some(img) = image else {
        return Fact::unknown(
            format!(
                "runAsGroup is unset, so the primary gid comes from the image's /etc/passwd; {}",
                image_missing(image_name)
            ),
            Source::Image("/etc/passwd".into()),
        );
    };
    match img.passwd.entries() {
        None => Fact::unknown(
            "the image's /etc/passwd could not be read".to_string(),
            Source::Image("/etc/passwd".into()),
        ),
        Some(entries) => match entries.iter().find(|e| e.uid == uid) {
            Some(e) => Fact::known(
                e.gid,
                Source::Image(format!("/etc/passwd entry {} (uid {uid})", Quoted(&e.name)).into()),
            ),
            None => Fact::known(
                0,
                Source::RuntimeDefault(
                    format!(
                        "uid {uid} is not in the image's /etc/passwd, so containerd uses gid 0"
                    )
                    .into(),
                ),
            ),
        },
    }
}

fn resolve_groups(
    cri_user: &Fact<CriUser>,
    gid: &Fact<i64>,
    pod_sc: Option<&PodSecurityContext>,
    policy: GroupsPolicy,
    image_name: &str,
    image: Option<&ImageInfo>,
) -> Groups {
    let mut sources: Vec<(i64, Source)> = Vec::with_capacity(4);
    let mut incomplete = None;
    if let Some(g) = gid.get() {
        sources.push((
            *g,
            Source::Derived("the primary gid (containerd always adds it)".into()),
        ));
    } else if let Known::Unknown(r) = &gid.value {
        incomplete = Some(format!("the primary gid is unknown: {r}"));
    }
    if let Some(p) = pod_sc {
        if let Some(fs) = p.fs_group {
            sources.push((fs, Source::PodField("spec.securityContext.fsGroup".into())));
        }
        for (i, g) in p.supplemental_groups.iter().flatten().enumerate() {
            sources.push((*g, Source::PodField(supplemental_groups_path(i))));
        }
    }
    if policy == GroupsPolicy::Merge {
        match image_groups(cri_user, image) {
            Ok(list) => {
                for (g, name) in list {
                    sources.push((
                        g,
                        Source::Image(
                            format!("/etc/group: member of {} (policy Merge)", Quoted(name)).into(),
                        ),
                    ));
                }
            }
            // Only the first reason is kept: the message is written only when it is.
            Err(why) if incomplete.is_none() => {
                incomplete = Some(why.message(cri_user, image_name));
            }
            Err(_) => {}
        }
    }
    let sources = GidSources::from_found(sources);
    Groups {
        gids: sources.gids(),
        sources,
        incomplete,
    }
}

/// Why the image group memberships are unknown (the message is written by
/// [`GroupsUnknown::message`], only when it is kept).
enum GroupsUnknown {
    /// The CRI user is unknown.
    User,
    /// The image was not given.
    NoImage,
    /// `/etc/passwd` could not be read.
    Passwd,
    /// `/etc/group` could not be read.
    Group,
}

impl GroupsUnknown {
    fn message(&self, cri_user: &Fact<CriUser>, image_name: &str) -> String {
        match self {
            GroupsUnknown::User => match &cri_user.value {
                Known::Unknown(r) => format!("image group memberships are unknown: {r}"),
                Known::Known(_) => "image group memberships are unknown".into(),
            },
            GroupsUnknown::NoImage => format!(
                "image /etc/group memberships (policy Merge) are unknown: {}",
                image_missing(image_name)
            ),
            GroupsUnknown::Passwd => "the image's /etc/passwd could not be read".into(),
            GroupsUnknown::Group => "the image's /etc/group could not be read".into(),
        }
    }
}

/// containerd `WithAdditionalGIDs`: the groups whose member list names the user, except a group
/// named like the user (gid and group name, borrowed from the image).
fn image_groups<'i>(
    cri_user: &Fact<CriUser>,
    image: Option<&'i ImageInfo>,
) -> Result<Vec<(i64, &'i str)>, GroupsUnknown> {
    let user = match &cri_user.value {
        Known::Known(u) => u,
        Known::Unknown(_) => return Err(GroupsUnknown::User),
    };
    let Some(img) = image else {
        return Err(GroupsUnknown::NoImage);
    };
    let username: &str = match user {
        CriUser::Username(n) => n,
        CriUser::Uid(u) => match img.passwd.entries() {
            None => return Err(GroupsUnknown::Passwd),
            Some(entries) => match entries.iter().find(|e| e.uid == *u) {
                Some(e) => &e.name,
                None => return Ok(Vec::new()),
            },
        },
    };
    match img.group.entries() {
        None => Err(GroupsUnknown::Group),
        Some(entries) => Ok(entries
            .iter()
            .filter(|g| g.name != username && g.members.iter().any(|m| m == username))
            .map(|g| (g.gid, g.name.as_str()))
            .collect()),
    }
}

/// `spec.securityContext.supplementalGroups[i]`, borrowed from a table for the first indices.
fn supplemental_groups_path(i: usize) -> Cow<'static, str> {
    const STATIC: usize = 16;
    static TABLE: OnceLock<Vec<String>> = OnceLock::new();
    if i >= STATIC {
        return format!("spec.securityContext.supplementalGroups[{i}]").into();
    }
    let table = TABLE.get_or_init(|| {
        (0..STATIC)
            .map(|i| format!("spec.securityContext.supplementalGroups[{i}]"))
            .collect()
    });
    Cow::Borrowed(table[i].as_str())
}
