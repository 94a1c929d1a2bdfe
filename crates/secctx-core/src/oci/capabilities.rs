//! `process.capabilities`: containerd's bounding/effective/permitted lists (resolved in
//! [`crate::resolve::oci_caps`]); inheritable and ambient stay empty (`WithoutAmbientCaps`).

use std::borrow::Cow;
use std::collections::HashSet;
use std::str::FromStr;

use oci_spec::runtime::{Capability, LinuxCapabilities};

use crate::resolve::OciCaps;

/// The lists as `oci_spec` sets. Names the kernel does not know (`CAP_CAP_CHOWN`) cannot be
/// held there and are left out, as runc ignores them; [`super::Rendered::capabilities`] keeps
/// the exact lists for the JSON.
pub fn to_oci(caps: &OciCaps) -> LinuxCapabilities {
    let set = |names: &[Cow<'static, str>]| -> Option<HashSet<Capability>> {
        let s: HashSet<Capability> = names
            .iter()
            .filter_map(|n| Capability::from_str(n.trim_start_matches("CAP_")).ok())
            .collect();
        (!s.is_empty()).then_some(s)
    };
    let mut c = LinuxCapabilities::default();
    c.set_bounding(set(&caps.bounding));
    c.set_effective(set(&caps.effective));
    c.set_permitted(set(&caps.permitted));
    c.set_inheritable(None);
    c.set_ambient(None);
    c
}

/// The JSON of `process.capabilities` as containerd writes it: Go's `omitempty` drops the
/// empty lists, so inheritable and ambient never appear.
pub fn json(caps: &OciCaps) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (k, v) in [
        ("bounding", &caps.bounding),
        ("effective", &caps.effective),
        ("inheritable", &caps.inheritable),
        ("permitted", &caps.permitted),
        ("ambient", &caps.ambient),
    ] {
        if !v.is_empty() {
            m.insert(k.into(), v.to_vec().into());
        }
    }
    serde_json::Value::Object(m)
}
