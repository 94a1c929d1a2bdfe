use super::*;

#[test]
fn decodes_a_pod_create() {
    let body = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
        "uid":"u-1","kind":{"group":"","version":"v1","kind":"Pod"},
        "resource":{"group":"","version":"v1","resource":"pods"},
        "name":"p","namespace":"ns","operation":"CREATE",
        "userInfo":{"username":"alice","groups":["devs"],"extra":{"x":["y"]}},
        "object":{"metadata":{"name":"p"}},"oldObject":null,"dryRun":true,
        "options":{"apiVersion":"meta.k8s.io/v1","kind":"CreateOptions"}}}"#;
    let r = decode(body).unwrap();
    assert_eq!(r.uid, "u-1");
    assert_eq!(r.resource.resource, "pods");
    assert_eq!(r.kind.kind, "Pod");
    assert_eq!(r.user_info.username, "alice");
    assert_eq!(r.object.unwrap().get(), r#"{"metadata":{"name":"p"}}"#);
    assert!(r.old_object.is_none());
    assert_eq!(r.dry_run, Some(true));
}

#[test]
fn rejects_what_is_not_a_v1_review() {
    assert_eq!(
        decode(b"{").unwrap_err().to_string(),
        "unable to decode the request"
    );
    assert_eq!(
        decode(
            br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{}}"#
        )
        .unwrap_err()
        .to_string(),
        "unexpected AdmissionReview kind: admission.k8s.io/v1beta1, Kind=AdmissionReview"
    );
    assert_eq!(
        decode(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#)
            .unwrap_err()
            .to_string(),
        "AdmissionReview has no request"
    );
    assert!(matches!(
        decode(
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7}}"#
        ),
        Err(DecodeError::Json(_))
    ));
}

#[test]
fn encodes_psa_forbidden_shape() {
    let mut r = AdmissionResponse::denied(Status::forbidden(
        "pods",
        "p",
        r#"pods "p" is forbidden: violates PodSecurity "baseline:latest": privileged"#.into(),
    ))
    .annotate("enforce-policy", "baseline:latest");
    r.uid = "u-1".into();
    assert_eq!(
        String::from_utf8(encode(&r)).unwrap(),
        r#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"u-1","allowed":false,"status":{"metadata":{},"status":"Failure","message":"pods \"p\" is forbidden: violates PodSecurity \"baseline:latest\": privileged","reason":"Forbidden","details":{"name":"p","kind":"pods"},"code":403},"auditAnnotations":{"enforce-policy":"baseline:latest"}}}"#
    );
}

#[test]
fn patch_is_base64_with_patch_type() {
    let mut r = AdmissionResponse::allowed();
    r.set_patch(&[serde_json::json!({"op":"add","path":"/a","value":1})]);
    let v: serde_json::Value = serde_json::from_slice(&encode(&r)).unwrap();
    assert_eq!(v["response"]["patchType"], "JSONPatch");
    let b64 = v["response"]["patch"].as_str().unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert_eq!(bytes, br#"[{"op":"add","path":"/a","value":1}]"#);
    let mut empty = AdmissionResponse::allowed();
    empty.set_patch(&[]);
    assert_eq!(empty.patch, None);
    assert_eq!(empty.patch_type, None);
}

#[test]
fn internal_error_shape() {
    let s = Status::internal(r#"failed to lookup namespace "x""#);
    assert_eq!(s.code, 500);
    assert_eq!(
        s.message,
        r#"Internal error occurred: failed to lookup namespace "x""#
    );
}
