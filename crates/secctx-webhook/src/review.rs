//! The AdmissionReview wire format (`admission.k8s.io/v1`, spec §1.2–1.4): decoding a
//! request, encoding a response.
//!
//! Hand-written rather than kube-core's `admission` types, for three reasons: kube-core
//! serializes `response.patch` as an array of numbers instead of the documented base64 string
//! (dependencies.md gotcha 3); its `deny()` leaves `status.code` at 0, which the API server
//! turns into 400 instead of PSA's 403; and it decodes `object` into a `DynamicObject` tree,
//! which would be converted again into the typed Pod. Here `object` and `oldObject` stay raw
//! JSON until the handler knows what type to decode them into.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

/// The only `apiVersion` served.
pub const API_VERSION: &str = "admission.k8s.io/v1";
/// The only `kind` served.
pub const KIND: &str = "AdmissionReview";

/// Why a body is not an AdmissionReview this server can answer. Each is a 400 whose text is
/// what upstream's PSA webhook says for the same case where it has one.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Not JSON, or JSON of the wrong shape.
    #[error("unable to decode the request")]
    Json(#[source] serde_json::Error),
    /// Another apiVersion or kind (printed as Go prints a GroupVersionKind).
    #[error("unexpected AdmissionReview kind: {api_version}, Kind={kind}")]
    Kind {
        /// The `apiVersion` sent.
        api_version: String,
        /// The `kind` sent.
        kind: String,
    },
    /// An AdmissionReview without `request` (upstream would crash on it).
    #[error("AdmissionReview has no request")]
    NoRequest,
}

/// `group`/`version`/`kind`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct GroupVersionKind {
    /// API group; empty for the core group.
    #[serde(default)]
    pub group: String,
    /// Version.
    #[serde(default)]
    pub version: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
}

/// `group`/`version`/`resource`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct GroupVersionResource {
    /// API group; empty for the core group.
    #[serde(default)]
    pub group: String,
    /// Version.
    #[serde(default)]
    pub version: String,
    /// Resource (plural, lower case).
    #[serde(default)]
    pub resource: String,
}

/// The requesting user (`authentication.k8s.io/v1` UserInfo; `extra` is not read).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct UserInfo {
    /// User name.
    #[serde(default)]
    pub username: String,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// `request` of an AdmissionReview (spec §1.2).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionRequest {
    /// Echoed in the response.
    #[serde(default)]
    pub uid: String,
    /// The kind sent to this webhook.
    #[serde(default)]
    pub kind: GroupVersionKind,
    /// The resource.
    #[serde(default)]
    pub resource: GroupVersionResource,
    /// The subresource (`ephemeralcontainers`, `status`, ...), empty for none.
    #[serde(default)]
    pub sub_resource: String,
    /// The object's name (empty on CREATE with generateName, in the mutating phase).
    #[serde(default)]
    pub name: String,
    /// The authoritative namespace.
    #[serde(default)]
    pub namespace: String,
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    #[serde(default)]
    pub operation: String,
    /// Who asked.
    #[serde(default)]
    pub user_info: UserInfo,
    /// The object, raw.
    #[serde(default)]
    pub object: Option<Box<RawValue>>,
    /// The old object on UPDATE and DELETE, raw.
    #[serde(default)]
    pub old_object: Option<Box<RawValue>>,
    /// Nothing will be persisted.
    #[serde(default)]
    pub dry_run: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    request: Option<Box<RawValue>>,
}

/// serde's derived structs also accept JSON arrays (fields by position); Go's decoder, and so
/// this one, accept only objects.
fn object<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, DecodeError> {
    if !text.trim_start().starts_with('{') {
        return Err(DecodeError::Json(serde::de::Error::custom(
            "an AdmissionReview and its request are JSON objects",
        )));
    }
    serde_json::from_str(text).map_err(DecodeError::Json)
}

/// Decodes an AdmissionReview request body.
pub fn decode(body: &[u8]) -> Result<AdmissionRequest, DecodeError> {
    let text =
        std::str::from_utf8(body).map_err(|e| DecodeError::Json(serde::de::Error::custom(e)))?;
    let env: Envelope = object(text)?;
    if env.api_version != API_VERSION || env.kind != KIND {
        return Err(DecodeError::Kind {
            api_version: env.api_version,
            kind: env.kind,
        });
    }
    match env.request {
        Some(raw) => object(raw.get()),
        None => Err(DecodeError::NoRequest),
    }
}

/// One cause of a `StatusDetails` (apimachinery `metav1.StatusCause`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusCause {
    /// `FieldValueInvalid`, ...; omitted when empty.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub reason: String,
    /// The cause.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub message: String,
    /// The field, when there is one.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub field: String,
}

/// `metav1.StatusDetails`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatusDetails {
    /// The object's name.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub name: String,
    /// The group.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub group: String,
    /// The kind (for Forbidden: the *resource*, e.g. `pods`; an apimachinery quirk).
    #[serde(skip_serializing_if = "str::is_empty")]
    pub kind: String,
    /// Causes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<StatusCause>,
    /// Seconds the client should wait before retrying; the API server sends it on as a
    /// `Retry-After` header. Omitted when 0.
    #[serde(rename = "retryAfterSeconds", skip_serializing_if = "is_zero")]
    pub retry_after_seconds: i32,
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

/// `metav1.Status` of a failure, in the field order Go writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Status {
    /// Always `{}` (Go's `ListMeta` is not omitempty).
    pub metadata: BTreeMap<String, String>,
    /// `Failure`.
    pub status: &'static str,
    /// The message.
    pub message: String,
    /// `Forbidden`, `Invalid`, `BadRequest`, `InternalError`.
    pub reason: &'static str,
    /// Details, when any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<StatusDetails>,
    /// The HTTP code the client sees.
    pub code: u16,
}

impl Status {
    fn failure(reason: &'static str, code: u16, message: String) -> Status {
        Status {
            metadata: BTreeMap::new(),
            status: "Failure",
            message,
            reason,
            details: None,
            code,
        }
    }

    /// apimachinery `NewForbidden(resource, name, err)`: `<resource> "<name>" is forbidden:
    /// <err>`, code 403; `message` is the whole message already built.
    pub fn forbidden(resource: &str, name: &str, message: String) -> Status {
        let mut s = Status::failure("Forbidden", 403, message);
        s.details = Some(StatusDetails {
            name: name.to_owned(),
            kind: resource.to_owned(),
            ..StatusDetails::default()
        });
        s
    }

    /// apimachinery `NewInvalid(kind, name, errs)`, code 422.
    pub fn invalid(kind: &str, name: &str, message: String, causes: Vec<StatusCause>) -> Status {
        let mut s = Status::failure("Invalid", 422, message);
        s.details = Some(StatusDetails {
            name: name.to_owned(),
            kind: kind.to_owned(),
            causes,
            ..StatusDetails::default()
        });
        s
    }

    /// A pod in a namespace the allocator has not annotated yet
    /// ([`secctx_core::admission::allocation::PendingAllocation`]): code 429,
    /// `TooManyRequests`, with `retryAfterSeconds`, so that it is retried rather than taken
    /// as a verdict.
    pub fn pending_allocation(resource: &str, name: &str, message: String, retry: i32) -> Status {
        let mut s = Status::failure("TooManyRequests", 429, message);
        s.details = Some(StatusDetails {
            name: name.to_owned(),
            kind: resource.to_owned(),
            retry_after_seconds: retry,
            ..StatusDetails::default()
        });
        s
    }

    /// apimachinery `NewBadRequest(reason)`, code 400.
    pub fn bad_request(message: &str) -> Status {
        Status::failure("BadRequest", 400, message.to_owned())
    }

    /// apimachinery `NewInternalError(err)`: `Internal error occurred: <err>`, code 500.
    pub fn internal(err: &str) -> Status {
        let mut s = Status::failure(
            "InternalError",
            500,
            format!("Internal error occurred: {err}"),
        );
        s.details = Some(StatusDetails {
            causes: vec![StatusCause {
                reason: String::new(),
                message: err.to_owned(),
                field: String::new(),
            }],
            ..StatusDetails::default()
        });
        s
    }
}

fn as_base64<S: Serializer>(patch: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match patch {
        Some(bytes) => s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes)),
        None => s.serialize_none(),
    }
}

/// `response` of an AdmissionReview (spec §1.3).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionResponse {
    /// `request.uid`, echoed.
    pub uid: String,
    /// Whether the request is admitted.
    pub allowed: bool,
    /// Why not (ignored by the API server when allowed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The JSON Patch, base64 on the wire; only with `patch_type`.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "as_base64")]
    pub patch: Option<Vec<u8>>,
    /// `JSONPatch` when `patch` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_type: Option<&'static str>,
    /// Audit annotations (bare keys; the API server prefixes the webhook name).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub audit_annotations: BTreeMap<String, String>,
    /// Warnings for the client.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl AdmissionResponse {
    /// Allowed, nothing else.
    pub fn allowed() -> AdmissionResponse {
        AdmissionResponse {
            allowed: true,
            ..AdmissionResponse::default()
        }
    }

    /// Denied with `status`.
    pub fn denied(status: Status) -> AdmissionResponse {
        AdmissionResponse {
            allowed: false,
            status: Some(status),
            ..AdmissionResponse::default()
        }
    }

    /// Sets one audit annotation.
    #[must_use]
    pub fn annotate(mut self, key: &str, value: impl Into<String>) -> AdmissionResponse {
        self.audit_annotations.insert(key.to_owned(), value.into());
        self
    }

    /// Sets a JSON Patch (and `patchType: JSONPatch`); an empty patch sets nothing.
    pub fn set_patch(&mut self, patch: &[serde_json::Value]) {
        if patch.is_empty() {
            return;
        }
        // A Vec of serde_json values always serializes.
        self.patch = Some(serde_json::to_vec(patch).unwrap_or_default());
        self.patch_type = Some("JSONPatch");
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResponseEnvelope<'a> {
    api_version: &'static str,
    kind: &'static str,
    response: &'a AdmissionResponse,
}

/// The AdmissionReview body answering with `response` (HTTP 200 always; the outcome is in
/// `response`). The request is not echoed back: the API server reads only `response`.
pub fn encode(response: &AdmissionResponse) -> Vec<u8> {
    // Strings, bools, maps of strings: serialization cannot fail.
    serde_json::to_vec(&ResponseEnvelope {
        api_version: API_VERSION,
        kind: KIND,
        response,
    })
    .unwrap_or_default()
}

#[cfg(test)]
#[path = "review_tests.rs"]
mod tests;
