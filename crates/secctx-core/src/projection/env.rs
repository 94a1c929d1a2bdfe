//! A container's environment (`makeEnvironmentVariables`): `envFrom` first, then `env` in
//! order, each able to reference earlier ones with `$(VAR)`; errors with the kubelet's messages
//! (the container then waits in `CreateContainerConfigError`).

use k8s_openapi::api::core::v1::{Container, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::error::ProjectionError;
use super::field::{PodFacts, field_value};
use super::objects::Objects;

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// `$(VAR)` expansion (`third_party/forked/golang/expansion`): `$$` is a literal `$`, unknown
/// references stay as written.
fn expand(input: &str, env: &[(String, String)]) -> String {
    let mut out = String::new();
    let b = input.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && i + 1 < b.len() {
            if b[i + 1] == b'$' {
                out.push('$');
                i += 2;
                continue;
            }
            if b[i + 1] == b'('
                && let Some(end) = input[i + 2..].find(')')
            {
                let name = &input[i + 2..i + 2 + end];
                match env.iter().rev().find(|(k, _)| k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => out.push_str(&input[i..i + 3 + end]),
                }
                i += 3 + end;
                continue;
            }
        }
        let ch = input[i..].chars().next().unwrap_or('\0');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn set(env: &mut Vec<(String, String)>, k: String, v: String) {
    if let Some(e) = env.iter_mut().find(|(n, _)| *n == k) {
        e.1 = v;
    } else {
        env.push((k, v));
    }
}

/// The environment the kubelet gives `c` (without the service-link variables).
pub fn container_env(
    c: &Container,
    meta: &ObjectMeta,
    spec: &PodSpec,
    objects: &Objects,
    facts: &PodFacts,
) -> Result<Vec<(String, String)>, ProjectionError> {
    let ns = meta.namespace.as_deref().unwrap_or("default");
    let mut env: Vec<(String, String)> = Vec::new();
    for from in c.env_from.iter().flatten() {
        let prefix = from.prefix.clone().unwrap_or_default();
        let data = if let Some(r) = &from.config_map_ref {
            match objects.config_map(ns, &r.name) {
                Some(d) => d,
                None if r.optional == Some(true) => continue,
                None => return Err(ProjectionError::ConfigMapNotFound(r.name.clone())),
            }
        } else if let Some(r) = &from.secret_ref {
            match objects.secret(ns, &r.name) {
                Some(d) => d,
                None if r.optional == Some(true) => continue,
                None => return Err(ProjectionError::SecretNotFound(r.name.clone())),
            }
        } else {
            continue;
        };
        for (k, v) in data {
            set(&mut env, format!("{prefix}{k}"), text(&v));
        }
    }
    for e in c.env.iter().flatten() {
        let value = match (&e.value, &e.value_from) {
            (Some(v), _) => expand(v, &env),
            (None, Some(from)) => {
                if let Some(r) = &from.config_map_key_ref {
                    let optional = r.optional == Some(true);
                    match objects.config_map(ns, &r.name) {
                        None if optional => continue,
                        None => return Err(ProjectionError::ConfigMapNotFound(r.name.clone())),
                        Some(d) => match d.iter().find(|(k, _)| *k == r.key) {
                            Some((_, v)) => text(v),
                            None if optional => continue,
                            None => {
                                return Err(ProjectionError::EnvConfigMapKey(
                                    r.key.clone(),
                                    ns.into(),
                                    r.name.clone(),
                                ));
                            }
                        },
                    }
                } else if let Some(r) = &from.secret_key_ref {
                    let optional = r.optional == Some(true);
                    match objects.secret(ns, &r.name) {
                        None if optional => continue,
                        None => return Err(ProjectionError::SecretNotFound(r.name.clone())),
                        Some(d) => match d.iter().find(|(k, _)| *k == r.key) {
                            Some((_, v)) => text(v),
                            None if optional => continue,
                            None => {
                                return Err(ProjectionError::EnvSecretKey(
                                    r.key.clone(),
                                    ns.into(),
                                    r.name.clone(),
                                ));
                            }
                        },
                    }
                } else if let Some(f) = &from.field_ref {
                    field_value(&f.field_path, meta, spec, facts)?
                } else {
                    return Err(ProjectionError::Unsupported(format!(
                        "env {} valueFrom",
                        e.name
                    )));
                }
            }
            (None, None) => String::new(),
        };
        set(&mut env, e.name.clone(), value);
    }
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn expansion() {
        let env = vec![("A".to_string(), "x".to_string())];
        assert_eq!(expand("$(A)-$(B)-$$(A)", &env), "x-$(B)-$(A)");
    }
}
