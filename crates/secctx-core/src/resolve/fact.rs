//! A resolved value together with where it came from.

use std::borrow::Cow;

use serde::Serialize;

/// Where a resolved value came from. The detail is a `Cow` so that the fixed descriptions
/// (runtime defaults, node options) cost no allocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "camelCase")]
pub enum Source {
    /// A field of the container (`spec.containers[0].securityContext.runAsUser`).
    ContainerField(Cow<'static, str>),
    /// A field of the pod (`spec.securityContext.runAsUser`).
    PodField(Cow<'static, str>),
    /// An annotation of the pod.
    Annotation(Cow<'static, str>),
    /// The image (config `User`, `/etc/passwd`, `/etc/group`).
    Image(Cow<'static, str>),
    /// A default of the kubelet, containerd, runc or the kernel, named.
    RuntimeDefault(Cow<'static, str>),
    /// A node option (`kubelet seccompDefault`, the node's AppArmor support, ...).
    NodeOption(Cow<'static, str>),
    /// Computed from other values, as described.
    Derived(Cow<'static, str>),
}

impl Source {
    /// A short human description (`container field spec.containers[0]...`).
    pub fn describe(&self) -> String {
        match self {
            Source::ContainerField(p) => format!("container field {p}"),
            Source::PodField(p) => format!("pod field {p}"),
            Source::Annotation(p) => format!("annotation {p}"),
            Source::Image(d) => format!("image: {d}"),
            Source::RuntimeDefault(d) => format!("default: {d}"),
            Source::NodeOption(d) => format!("node: {d}"),
            Source::Derived(d) => d.to_string(),
        }
    }
}

/// A value that may be unknown (typically because it depends on an image secctx was not given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Known<T> {
    /// The value.
    Known(T),
    /// Not known, and why (a `Cow` so that fixed reasons cost no allocation).
    Unknown(Cow<'static, str>),
}

impl<T> Known<T> {
    /// The value, if known.
    pub fn get(&self) -> Option<&T> {
        match self {
            Known::Known(v) => Some(v),
            Known::Unknown(_) => None,
        }
    }

    /// Maps a known value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Known<U> {
        match self {
            Known::Known(v) => Known::Known(f(v)),
            Known::Unknown(r) => Known::Unknown(r),
        }
    }
}

/// A resolved value and its provenance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact<T> {
    /// The value, or why it is unknown.
    pub value: Known<T>,
    /// Where it came from.
    pub source: Source,
}

impl<T> Fact<T> {
    /// A known value.
    pub fn known(value: T, source: Source) -> Fact<T> {
        Fact {
            value: Known::Known(value),
            source,
        }
    }

    /// An unknown value.
    pub fn unknown(reason: impl Into<Cow<'static, str>>, source: Source) -> Fact<T> {
        Fact {
            value: Known::Unknown(reason.into()),
            source,
        }
    }

    /// The value, if known.
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }
}

impl<T: Serialize> Serialize for Fact<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Fact", 3)?;
        match &self.value {
            Known::Known(v) => {
                st.serialize_field("value", v)?;
                st.skip_field("unknown")?;
            }
            Known::Unknown(r) => {
                st.serialize_field("value", &Option::<()>::None)?;
                st.serialize_field("unknown", r)?;
            }
        }
        st.serialize_field("source", &self.source)?;
        st.end()
    }
}
