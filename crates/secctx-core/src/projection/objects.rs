//! The ConfigMaps and Secrets of the input, looked up by namespace and name.

use k8s_openapi::api::core::v1::{ConfigMap, Secret};

use crate::load::{Loaded, Object};

/// The ConfigMaps and Secrets a pod may reference.
#[derive(Clone, Debug, Default)]
pub struct Objects {
    config_maps: Vec<ConfigMap>,
    secrets: Vec<Secret>,
}

fn ns(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> &str {
    meta.namespace.as_deref().unwrap_or("default")
}

impl Objects {
    /// Every ConfigMap and Secret of a loaded input.
    pub fn from_loaded(loaded: &Loaded) -> Objects {
        let mut o = Objects::default();
        for obj in &loaded.objects {
            match obj {
                Object::ConfigMap(c, _) => o.config_maps.push((**c).clone()),
                Object::Secret(s, _) => o.secrets.push((**s).clone()),
                _ => {}
            }
        }
        o
    }

    /// Adds a ConfigMap.
    pub fn add_config_map(&mut self, c: ConfigMap) {
        self.config_maps.push(c);
    }

    /// Adds a Secret.
    pub fn add_secret(&mut self, s: Secret) {
        self.secrets.push(s);
    }

    /// The ConfigMap `name` in `namespace` as `(key, bytes)` pairs (`data` then `binaryData`).
    pub fn config_map(&self, namespace: &str, name: &str) -> Option<Vec<(String, Vec<u8>)>> {
        let c = self
            .config_maps
            .iter()
            .find(|c| ns(&c.metadata) == namespace && c.metadata.name.as_deref() == Some(name))?;
        let mut out: Vec<(String, Vec<u8>)> = c
            .data
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone().into_bytes()))
            .collect();
        out.extend(
            c.binary_data
                .iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.0.clone())),
        );
        Some(out)
    }

    /// The Secret `name` in `namespace` as `(key, bytes)` pairs; `stringData` is merged over
    /// `data`, as the API server does on write.
    pub fn secret(&self, namespace: &str, name: &str) -> Option<Vec<(String, Vec<u8>)>> {
        let s = self
            .secrets
            .iter()
            .find(|s| ns(&s.metadata) == namespace && s.metadata.name.as_deref() == Some(name))?;
        let mut map: std::collections::BTreeMap<String, Vec<u8>> = s
            .data
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.0.clone()))
            .collect();
        for (k, v) in s.string_data.iter().flatten() {
            map.insert(k.clone(), v.clone().into_bytes());
        }
        Some(map.into_iter().collect())
    }
}
