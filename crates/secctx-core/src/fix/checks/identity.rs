//! `runAsNonRoot` and `runAsUser`: who the containers run as, decided from the images.
//!
//! * `runAsNonRoot: true` is safe where every container it covers is known to run as a
//!   non-root uid: an explicit `runAsUser` above 0, or a numeric non-root image `USER`.
//! * A named image `USER` (the kubelet's runAsNonRoot trap: it cannot verify a name) gets its
//!   uid from the image's `/etc/passwd` written as `runAsUser`, and its group as `runAsGroup`
//!   when `USER` names one: the same identity, now verifiable (safe).
//! * An image that runs as root, or `runAsUser: 0`, gets a non-root user of the image's
//!   `/etc/passwd` (`--allow run-as-user`), with `fsGroup` set to its group where the
//!   container writes to a volume, so the volume stays writable.
//! * Where the image is not known, `runAsNonRoot: true` needs `--allow run-as-non-root`: the
//!   kubelet then refuses to start the container if the image runs as root.

use k8s_openapi::api::core::v1::{PodSpec, VolumeMount};
use serde_json::json;

use super::{Ctx, container_image, container_path};
use crate::fix::allow::Allow;
use crate::fix::image_user::{ImageUser, image_user, non_root_user};
use crate::fix::remedy::Remedy;
use crate::fix::rules::uid_is_non_root;
use crate::image::ImageInfo;
use crate::path::FieldPath;
use crate::pss::Violation;
use crate::pss::visit::{ContainerId, ContainerKind, containers};

/// What making one container non-root takes.
struct Plan {
    /// The opt-ins its remedies need.
    needs: Vec<Allow>,
    /// Why it cannot be made non-root, if it cannot.
    fatal: Option<String>,
}

/// A non-root uid for a container that would otherwise run as root: the image's own non-root
/// user, else a non-root user of its `/etc/passwd`. Returns the uid, its group and why.
fn uid_from_image(
    user: &ImageUser,
    img: Option<&ImageInfo>,
    image: &str,
) -> Result<(i64, i64, String), String> {
    match user {
        ImageUser::Unknown => Err(format!(
            "the image {image:?} was not given (--image {image}=PATH), and a non-root uid must come from it, never a guess"
        )),
        ImageUser::Numeric { uid } => {
            let gid = img
                .and_then(|i| i.user_by_uid(*uid))
                .map_or(*uid, |e| e.gid);
            Ok((*uid, gid, format!("the image {image:?} runs as uid {uid}")))
        }
        ImageUser::Named { name, uid, gid } => {
            let gid = gid
                .or_else(|| img.and_then(|i| i.user_by_uid(*uid)).map(|e| e.gid))
                .unwrap_or(*uid);
            Ok((
                *uid,
                gid,
                format!("the image {image:?} runs as {name}, uid {uid} in its /etc/passwd"),
            ))
        }
        ImageUser::Root => match img.and_then(non_root_user) {
            Some(e) => Ok((
                e.uid,
                e.gid,
                format!(
                    "the image {image:?} runs as root; {} (uid {}) is a non-root user of its /etc/passwd",
                    e.name, e.uid
                ),
            )),
            None => Err(format!(
                "the image {image:?} runs as root and its /etc/passwd names no other user to run as"
            )),
        },
        ImageUser::Unresolvable(r) => Err(format!("{r}: the container cannot start as it is")),
    }
}

fn volume_mounts(spec: &PodSpec, id: ContainerId) -> &[VolumeMount] {
    match id.kind {
        ContainerKind::Init => spec
            .init_containers
            .as_deref()
            .and_then(|l| l.get(id.index))
            .and_then(|c| c.volume_mounts.as_deref()),
        ContainerKind::Regular => spec
            .containers
            .get(id.index)
            .and_then(|c| c.volume_mounts.as_deref()),
        ContainerKind::Ephemeral => spec
            .ephemeral_containers
            .as_deref()
            .and_then(|l| l.get(id.index))
            .and_then(|c| c.volume_mounts.as_deref()),
    }
    .unwrap_or(&[])
}

/// The first volume the container mounts writable that `fsGroup` applies to (not the
/// read-only configMap, secret, downwardAPI and projected volumes).
fn written_volume(spec: &PodSpec, id: ContainerId) -> Option<String> {
    let volumes = spec.volumes.as_deref().unwrap_or(&[]);
    volume_mounts(spec, id)
        .iter()
        .filter(|m| m.read_only != Some(true))
        .find_map(|m| {
            let v = volumes.iter().find(|v| v.name == m.name)?;
            let read_only_kind = v.config_map.is_some()
                || v.secret.is_some()
                || v.downward_api.is_some()
                || v.projected.is_some();
            (!read_only_kind).then(|| v.name.clone())
        })
}

pub(super) fn remedies(ctx: &Ctx<'_, '_>, v: &Violation, out: &mut Vec<Remedy>) {
    let check = v.check_id;
    let non_root_check = check == "runAsNonRoot";
    let spec = ctx.spec;
    let pod_sc = spec.security_context.as_ref();
    let pod_uid = pod_sc.and_then(|s| s.run_as_user);
    let pod_non_root = pod_sc.and_then(|s| s.run_as_non_root);
    let mut fs_group: Option<(i64, String)> = None;
    let mut inherit_root_fatal = None;
    // Per container: what its runAsNonRoot needs (None: not covered by a runAsNonRoot edit).
    let mut plans: Vec<(ContainerId, Option<bool>, Plan)> = Vec::new();
    for c in containers(spec) {
        let id = c.id();
        let sc = c.security_context;
        let own_uid = sc.and_then(|s| s.run_as_user);
        let own_non_root = sc.and_then(|s| s.run_as_non_root);
        let image = container_image(spec, id);
        let img = (ctx.images)(image);
        let user = image_user(img);
        let uid_path = container_path(id, "securityContext.runAsUser");
        let mut plan = Plan {
            needs: Vec::new(),
            fatal: None,
        };
        let root_by_field = own_uid == Some(0) || (own_uid.is_none() && pod_uid == Some(0));
        if root_by_field {
            match uid_from_image(&user, img, image) {
                Ok((uid, gid, why)) => {
                    out.push(
                        Remedy::set(
                            check,
                            uid_path,
                            json!(uid),
                            format!("runAsUser 0 runs the container as root; {why}"),
                        )
                        .needs(Allow::RunAsUser),
                    );
                    plan.needs.push(Allow::RunAsUser);
                    if let Some(vol) = written_volume(spec, id) {
                        fs_group.get_or_insert((
                            gid,
                            format!("the container {:?} writes to volume {vol:?}", c.name),
                        ));
                    }
                }
                Err(reason) => {
                    if own_uid.is_none() {
                        inherit_root_fatal.get_or_insert_with(|| reason.clone());
                    }
                    out.push(Remedy::not_fixable(
                        check,
                        if own_uid == Some(0) {
                            uid_path
                        } else {
                            FieldPath::new("spec.securityContext.runAsUser")
                        },
                        format!("runAsUser 0 asks for root: {reason}"),
                    ));
                    plan.fatal = Some(reason);
                }
            }
        } else if !own_uid.or(pod_uid).is_some_and(uid_is_non_root)
            && own_non_root != Some(true)
            && non_root_check
        {
            // The image's USER decides who the container runs as.
            match &user {
                ImageUser::Unknown => plan.needs.push(Allow::RunAsNonRoot),
                ImageUser::Numeric { .. } => {}
                ImageUser::Named { name, uid, gid } => {
                    out.push(Remedy::set(
                        check,
                        uid_path,
                        json!(uid),
                        format!(
                            "the image {image:?} runs as {name:?}, a name the kubelet cannot verify as non-root (it refuses to start the container); {name} is uid {uid} in the image's /etc/passwd, the same user"
                        ),
                    ));
                    if let Some(g) = gid {
                        out.push(Remedy::set(
                            check,
                            container_path(id, "securityContext.runAsGroup"),
                            json!(g),
                            format!("the image's USER names group {g}, which runAsUser alone would not keep"),
                        ));
                    }
                }
                ImageUser::Root | ImageUser::Unresolvable(_) => {
                    match uid_from_image(&user, img, image) {
                        Ok((uid, gid, why)) => {
                            out.push(
                            Remedy::set(
                                check,
                                uid_path,
                                json!(uid),
                                format!("{why}; with runAsNonRoot the kubelet would refuse to start it as root"),
                            )
                            .needs(Allow::RunAsUser),
                        );
                            plan.needs.push(Allow::RunAsUser);
                            if let Some(vol) = written_volume(spec, id) {
                                fs_group.get_or_insert((
                                    gid,
                                    format!("the container {:?} writes to volume {vol:?}", c.name),
                                ));
                            }
                        }
                        Err(reason) => plan.fatal = Some(reason),
                    }
                }
            }
        }
        plans.push((id, own_non_root, plan));
    }

    if pod_uid == Some(0) {
        let field = FieldPath::new("spec.securityContext.runAsUser");
        out.push(match inherit_root_fatal {
            Some(reason) => {
                Remedy::not_fixable(check, field, format!("runAsUser 0 asks for root: {reason}"))
            }
            None => Remedy::remove(
                check,
                field,
                "runAsUser 0 runs every container as root; each gets a non-root uid of its own",
            )
            .needs(Allow::RunAsUser),
        });
    }

    if let Some((gid, why)) = fs_group
        && pod_sc.and_then(|s| s.fs_group).is_none()
    {
        out.push(
            Remedy::set(
                check,
                FieldPath::new("spec.securityContext.fsGroup"),
                json!(gid),
                format!("{why}, which must stay writable by the new non-root user through its group {gid}"),
            )
            .needs(Allow::RunAsUser),
        );
    }

    if !non_root_check {
        return;
    }
    // Per container `runAsNonRoot: false`.
    for (id, own, plan) in &plans {
        if *own == Some(false) {
            let field = container_path(*id, "securityContext.runAsNonRoot");
            out.push(non_root_remedy(check, field, [plan].into_iter(), true));
        }
    }
    // The pod-level `runAsNonRoot: true` covers every container without its own.
    if pod_non_root != Some(true) {
        let covered: Vec<&Plan> = plans
            .iter()
            .filter(|(_, own, _)| own.is_none())
            .map(|(_, _, p)| p)
            .collect();
        if !covered.is_empty() || pod_non_root == Some(false) {
            out.push(non_root_remedy(
                check,
                FieldPath::new("spec.securityContext.runAsNonRoot"),
                covered.into_iter(),
                pod_non_root == Some(false),
            ));
        }
    }
}

fn non_root_remedy<'p>(
    check: &'static str,
    field: FieldPath,
    plans: impl Iterator<Item = &'p Plan>,
    explicit_false: bool,
) -> Remedy {
    let mut needs = Vec::new();
    for p in plans {
        if let Some(f) = &p.fatal {
            return Remedy::not_fixable(
                check,
                field,
                format!("runAsNonRoot: true would keep the container from starting: {f}"),
            );
        }
        needs.extend(p.needs.iter().copied());
    }
    let why = if needs.contains(&Allow::RunAsNonRoot) {
        "the kubelet then refuses to start a container that would run as root; an image was not given (--image NAME=PATH), so whether it runs as root is not known"
    } else {
        "every container it covers runs as a known non-root uid, which the kubelet verifies at start"
    };
    let mut r = Remedy::set(check, field, json!(true), why).needs_all(&needs);
    if explicit_false {
        r = r.needs(Allow::RunAsNonRoot);
    }
    r
}
