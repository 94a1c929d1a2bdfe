//! `secctx admit -o json`: per object, the AdmissionReview response a mutating webhook would
//! send (spec §1.3–1.4): `allowed`, a base64 JSONPatch with `patchType: JSONPatch`, the
//! Forbidden status on denial, warnings and audit annotations.

use std::sync::Arc;

use serde_json::{Value as Json, json};

/// Standard base64 with padding (RFC 4648), the encoding of a JSON `[]byte`.
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The AdmissionReview for one decision.
pub fn review(
    allowed: bool,
    patch: &[Json],
    denied: Option<&str>,
    name: &str,
    warnings: &[String],
    audit: &[(Arc<str>, Arc<str>)],
) -> Json {
    let mut response = json!({"uid": "", "allowed": allowed});
    if allowed && !patch.is_empty() {
        let bytes = serde_json::to_vec(patch).expect("a patch serializes");
        response["patchType"] = json!("JSONPatch");
        response["patch"] = json!(base64(&bytes));
    }
    if let Some(msg) = denied {
        response["status"] = json!({
            "status": "Failure",
            "reason": "Forbidden",
            "code": 403,
            "message": msg,
            "details": {"name": name, "kind": "pods"},
        });
    }
    if !warnings.is_empty() {
        response["warnings"] = json!(warnings);
    }
    if !audit.is_empty() {
        let map: serde_json::Map<String, Json> = audit
            .iter()
            .map(|(k, v)| (k.to_string(), Json::String(v.to_string())))
            .collect();
        response["auditAnnotations"] = Json::Object(map);
    }
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response})
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(super::base64(i.as_bytes()), o);
        }
    }
}
