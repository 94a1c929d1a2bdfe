//! `PodSecurityConfiguration` tests: serde shape, defaulting, validation messages, exemptions.

use serde_json::json;

use super::*;

fn config(v: serde_json::Value) -> PodSecurityConfiguration {
    serde_json::from_value(v).unwrap()
}

#[test]
fn empty_configuration_defaults_to_privileged_latest() {
    let c = config(json!({"apiVersion": API_VERSION, "kind": KIND})).defaulted();
    assert_eq!(c.default_policy().unwrap(), Policy::default());
}

#[test]
fn reads_the_v1_shape() {
    let c = config(json!({
        "apiVersion": "pod-security.admission.config.k8s.io/v1",
        "kind": "PodSecurityConfiguration",
        "defaults": {"enforce": "baseline", "enforce-version": "v1.30", "audit": "restricted",
                     "warn": "restricted", "warn-version": "v1.37"},
        "exemptions": {"usernames": ["system:serviceaccount:kube-system:replicaset-controller"],
                       "namespaces": ["kube-system"], "runtimeClasses": ["kata"]},
        "unknownField": true,
    }))
    .defaulted();
    let p = c.default_policy().unwrap();
    assert_eq!(
        p.to_string(),
        "enforce=baseline:v1.30, audit=restricted:latest, warn=restricted:v1.37"
    );
    let back = serde_json::to_value(&c).unwrap();
    assert_eq!(back["defaults"]["enforce-version"], "v1.30");
    assert_eq!(back["exemptions"]["runtimeClasses"][0], "kata");
}

#[test]
fn type_meta_is_checked() {
    let c =
        config(json!({"apiVersion": "pod-security.admission.config.k8s.io/v1beta1", "kind": KIND}));
    assert!(matches!(
        c.defaulted().validate(),
        Err(ConfigError::ApiVersion(_))
    ));
    let c = config(json!({"apiVersion": API_VERSION, "kind": "AdmissionConfiguration"}));
    assert_eq!(
        c.defaulted().validate().unwrap_err().to_string(),
        r#"unsupported kind "AdmissionConfiguration": expected "PodSecurityConfiguration""#
    );
}

#[test]
fn validation_messages() {
    let c = config(json!({
        "apiVersion": API_VERSION, "kind": KIND,
        "defaults": {"enforce": "strict", "audit-version": "v1.01"},
        "exemptions": {
            "namespaces": ["ok", "Bad", "a.b", "ok", &"x".repeat(64)],
            "runtimeClasses": ["kata.io", "-x", "kata.io"],
            "usernames": ["", "u", "u"],
        },
    }))
    .defaulted();
    let Err(ConfigError::Invalid(errs)) = c.validate() else {
        panic!("expected field errors")
    };
    let rendered: Vec<String> = errs.iter().map(ToString::to_string).collect();
    let label_msg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    let subdomain_msg = r"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    assert_eq!(
        rendered,
        [
            r#"defaults.enforce: Invalid value: "strict": must be one of privileged, baseline, restricted"#.to_owned(),
            r#"defaults.audit-version: Invalid value: "v1.01": must be "latest" or "v1.x""#.to_owned(),
            format!(r#"exemptions.namespaces[1]: Invalid value: "Bad": {label_msg}"#),
            r#"exemptions.namespaces[2]: Invalid value: "a.b": must not contain dots"#.to_owned(),
            r#"exemptions.namespaces[3]: Duplicate value: "ok""#.to_owned(),
            format!(
                r#"exemptions.namespaces[4]: Invalid value: "{}": must be no more than 63 characters"#,
                "x".repeat(64)
            ),
            format!(r#"exemptions.runtimeClasses[1]: Invalid value: "-x": {subdomain_msg}"#),
            r#"exemptions.runtimeClasses[2]: Duplicate value: "kata.io""#.to_owned(),
            r#"exemptions.usernames[0]: Invalid value: "": username must not be empty"#.to_owned(),
            r#"exemptions.usernames[2]: Duplicate value: "u""#.to_owned(),
        ]
    );
    assert!(c.default_policy().is_err());
}

#[test]
fn exemptions_in_psa_order() {
    let e = PodSecurityExemptions {
        usernames: vec!["admin".into()],
        namespaces: vec!["kube-system".into()],
        runtime_classes: vec!["kata".into()],
    };
    assert_eq!(
        e.exemption("kube-system", "admin", Some("kata")),
        Some(Exemption::Namespace)
    );
    assert_eq!(
        e.exemption("ns", "admin", Some("kata")),
        Some(Exemption::User)
    );
    assert_eq!(
        e.exemption("ns", "bob", Some("kata")),
        Some(Exemption::RuntimeClass)
    );
    assert_eq!(e.exemption("ns", "bob", None), None);
    assert_eq!(e.exemption("ns", "bob", Some("")), None);
    // Empty values never match, even if listed.
    let e = PodSecurityExemptions {
        usernames: vec![String::new()],
        namespaces: vec![String::new()],
        runtime_classes: vec![String::new()],
    };
    assert_eq!(e.exemption("", "", Some("")), None);
    assert_eq!(Exemption::RuntimeClass.to_string(), "runtimeClass");
}
