//! Volume payloads (`MakePayload` of the configMap, secret, downwardAPI and projected plugins).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{DownwardAPIVolumeFile, KeyToPath, PodSpec, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use super::DEFAULT_MODE;
use super::error::ProjectionError;
use super::field::{PodFacts, field_value};
use super::objects::Objects;

/// One file of a payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileProjection {
    /// The bytes.
    pub data: Vec<u8>,
    /// The permission bits (`defaultMode` or the item's `mode`).
    pub mode: u32,
}

/// The files of one volume, by relative path (`items[].path`, which may contain `/`).
pub type Payload = BTreeMap<String, FileProjection>;

fn mode_of(m: Option<i32>, default: u32) -> u32 {
    m.map_or(default, |m| (m as u32) & 0o7777)
}

#[derive(Clone, Copy)]
enum Kind {
    ConfigMap,
    Secret,
}

fn keyed(
    kind: Kind,
    data: Option<Vec<(String, Vec<u8>)>>,
    name: &str,
    items: Option<&Vec<KeyToPath>>,
    optional: bool,
    default: u32,
    out: &mut Payload,
) -> Result<(), ProjectionError> {
    let Some(data) = data else {
        if optional {
            return Ok(());
        }
        return Err(match kind {
            Kind::ConfigMap => ProjectionError::ConfigMapNotFound(name.into()),
            Kind::Secret => ProjectionError::SecretNotFound(name.into()),
        });
    };
    match items.filter(|i| !i.is_empty()) {
        None => {
            for (k, v) in data {
                out.insert(
                    k,
                    FileProjection {
                        data: v,
                        mode: default,
                    },
                );
            }
        }
        Some(items) => {
            for item in items {
                let Some((_, v)) = data.iter().find(|(k, _)| *k == item.key) else {
                    if optional {
                        continue;
                    }
                    return Err(match kind {
                        Kind::ConfigMap => ProjectionError::ConfigMapKey(item.key.clone()),
                        Kind::Secret => ProjectionError::SecretKey(item.key.clone()),
                    });
                };
                out.insert(
                    item.path.clone(),
                    FileProjection {
                        data: v.clone(),
                        mode: mode_of(item.mode, default),
                    },
                );
            }
        }
    }
    Ok(())
}

fn downward(
    items: Option<&Vec<DownwardAPIVolumeFile>>,
    default: u32,
    meta: &ObjectMeta,
    spec: &PodSpec,
    facts: &PodFacts,
    out: &mut Payload,
) -> Result<(), ProjectionError> {
    for item in items.into_iter().flatten() {
        let data = match (&item.field_ref, &item.resource_field_ref) {
            (Some(f), _) => field_value(&f.field_path, meta, spec, facts)?,
            (None, Some(_)) => {
                return Err(ProjectionError::Unsupported(
                    "downwardAPI resourceFieldRef".into(),
                ));
            }
            (None, None) => String::new(),
        };
        out.insert(
            item.path.clone(),
            FileProjection {
                data: data.into_bytes(),
                mode: mode_of(item.mode, default),
            },
        );
    }
    Ok(())
}

/// The files the kubelet writes for `vol`; `None` when it is not a configMap, secret,
/// downwardAPI or projected volume.
pub fn volume_payload(
    vol: &Volume,
    meta: &ObjectMeta,
    spec: &PodSpec,
    objects: &Objects,
    facts: &PodFacts,
) -> Option<Result<Payload, ProjectionError>> {
    let ns = meta.namespace.as_deref().unwrap_or("default");
    let mut out = Payload::new();
    let r = if let Some(c) = &vol.config_map {
        let default = mode_of(c.default_mode, DEFAULT_MODE);
        keyed(
            Kind::ConfigMap,
            objects.config_map(ns, &c.name),
            &c.name,
            c.items.as_ref(),
            c.optional == Some(true),
            default,
            &mut out,
        )
    } else if let Some(s) = &vol.secret {
        let default = mode_of(s.default_mode, DEFAULT_MODE);
        let name = s.secret_name.clone().unwrap_or_default();
        keyed(
            Kind::Secret,
            objects.secret(ns, &name),
            &name,
            s.items.as_ref(),
            s.optional == Some(true),
            default,
            &mut out,
        )
    } else if let Some(d) = &vol.downward_api {
        let default = mode_of(d.default_mode, DEFAULT_MODE);
        downward(d.items.as_ref(), default, meta, spec, facts, &mut out)
    } else if let Some(p) = &vol.projected {
        let default = mode_of(p.default_mode, DEFAULT_MODE);
        projected(
            p.sources.iter().flatten(),
            default,
            ns,
            meta,
            spec,
            objects,
            facts,
            &mut out,
        )
    } else {
        return None;
    };
    Some(r.map(|()| out))
}

#[allow(clippy::too_many_arguments)]
fn projected<'a>(
    sources: impl Iterator<Item = &'a k8s_openapi::api::core::v1::VolumeProjection>,
    default: u32,
    ns: &str,
    meta: &ObjectMeta,
    spec: &PodSpec,
    objects: &Objects,
    facts: &PodFacts,
    out: &mut Payload,
) -> Result<(), ProjectionError> {
    for src in sources {
        if let Some(c) = &src.config_map {
            keyed(
                Kind::ConfigMap,
                objects.config_map(ns, &c.name),
                &c.name,
                c.items.as_ref(),
                c.optional == Some(true),
                default,
                out,
            )?;
        } else if let Some(s) = &src.secret {
            keyed(
                Kind::Secret,
                objects.secret(ns, &s.name),
                &s.name,
                s.items.as_ref(),
                s.optional == Some(true),
                default,
                out,
            )?;
        } else if let Some(d) = &src.downward_api {
            downward(d.items.as_ref(), default, meta, spec, facts, out)?;
        } else if src.service_account_token.is_some() {
            return Err(ProjectionError::Unsupported(
                "projected serviceAccountToken".into(),
            ));
        } else if src.cluster_trust_bundle.is_some() {
            return Err(ProjectionError::Unsupported(
                "projected clusterTrustBundle".into(),
            ));
        } else if src.pod_certificate.is_some() {
            return Err(ProjectionError::Unsupported(
                "projected podCertificate".into(),
            ));
        }
    }
    Ok(())
}
