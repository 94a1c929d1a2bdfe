//! Bar 4: `secctx check -o sarif` validates against the official SARIF 2.1.0 JSON schema, and
//! every result has a region with `startLine` and `startColumn`.
//!
//! `tests/data/sarif/sarif-schema-2.1.0.json` is vendored unchanged from
//! `oasis-tcs/sarif-spec`, path `sarif-2.1/schema/sarif-schema-2.1.0.json`, last changed in commit
//! a560296ca8c921f3bdb8d4a8db57ab83dae968a7 (read at repository HEAD
//! e0583813964ec43cea53b6b531b402866095ed1f); it is the errata01 OASIS schema.

mod common;

use common::{repo, secctx, shared};
use serde_json::Value;

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        repo().join("crates/secctx-cli/tests/data/sarif/sarif-schema-2.1.0.json"),
    )
    .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn sarif(args: &[&str]) -> (i32, Value) {
    let out = secctx()
        .arg("check")
        .args(args)
        .args(["-o", "sarif"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap_or(-1), doc)
}

fn assert_valid(validator: &jsonschema::Validator, args: &[&str], doc: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{args:?}: {errors:#?}");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    for r in results {
        let locations = r["locations"]
            .as_array()
            .expect("every result has locations");
        assert!(!locations.is_empty(), "{r}");
        for l in locations {
            let region = &l["physicalLocation"]["region"];
            assert!(region["startLine"].as_u64().unwrap() >= 1, "{r}");
            assert!(region["startColumn"].as_u64().unwrap() >= 1, "{r}");
        }
    }
}

#[test]
fn sarif_output_validates_against_the_2_1_0_schema() {
    let validator = schema();
    let examples = shared().join("examples/pods");
    let examples = examples.to_str().unwrap();
    let data = "crates/secctx-cli/tests/data/check";
    let cases: Vec<Vec<String>> = vec![
        vec![examples.into()],
        vec![
            format!("{data}/namespaces.yaml"),
            "--level".into(),
            "privileged".into(),
        ],
        vec![format!("{data}/templates.yaml")],
        vec![format!("{data}/validation.yaml")],
        vec![
            format!("{data}/bad-yaml.yaml"),
            format!("{data}/missing.yaml"),
        ],
        vec![
            format!("{data}/exempt.yaml"),
            "--config".into(),
            format!("{data}/psa-config.yaml"),
        ],
        vec![format!("{data}/clean.yaml")],
    ];
    let mut findings = 0;
    for case in &cases {
        let args: Vec<&str> = case.iter().map(String::as_str).collect();
        let (code, doc) = sarif(&args);
        assert!((0..=2).contains(&code), "{args:?}: exit {code}");
        assert_valid(&validator, &args, &doc);
        findings += doc["runs"][0]["results"].as_array().unwrap().len();
    }
    assert!(
        findings > 50,
        "only {findings} results: the cases should produce many"
    );
}

#[test]
fn the_validator_rejects_a_broken_log() {
    // The schema is really applied: a result without a message is invalid.
    let validator = schema();
    let (_, mut doc) = sarif(&["crates/secctx-cli/tests/data/check/templates.yaml"]);
    doc["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!validator.is_valid(&doc));
    doc["version"] = Value::from("2.0.0");
    assert!(!validator.is_valid(&doc));
}

#[test]
fn suppressed_findings_carry_sarif_suppressions_and_validate() {
    // Bar 4: annotation suppressions are `inSource`, configuration rules `external`; the log
    // still validates against the schema.
    let validator = schema();
    let args = [
        "crates/secctx-cli/tests/data/repo/suppressed.yaml",
        "--config-file",
        "crates/secctx-cli/tests/data/repo/config.yaml",
    ];
    let (code, doc) = sarif(&args);
    assert_eq!(code, 1);
    assert_valid(&validator, &args, &doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let find = |rule: &str, name: &str| {
        results
            .iter()
            .find(|r| r["ruleId"] == rule && r["properties"]["name"] == name)
            .unwrap_or_else(|| panic!("no {rule} result for {name}"))
    };
    let s = &find("runAsNonRoot", "web-1")["suppressions"];
    assert_eq!(s[0]["kind"], "inSource", "{s}");
    assert_eq!(
        s[0]["justification"],
        "the image runs as uid 1000 (USER 1000)"
    );
    let s = &find("capabilities_restricted", "web-1")["suppressions"];
    assert_eq!(s[0]["kind"], "external", "{s}");
    assert_eq!(
        s[0]["location"]["physicalLocation"]["artifactLocation"]["uri"],
        "crates/secctx-cli/tests/data/repo/config.yaml"
    );
    assert_eq!(
        s[0]["justification"],
        "the platform's mutating webhook sets these"
    );
    assert_eq!(
        find("hostNamespaces", "agent")["suppressions"][0]["kind"],
        "inSource"
    );
    // The finding whose annotation has an empty reason is not suppressed.
    assert!(
        find("seccompProfile_restricted", "web-1")
            .get("suppressions")
            .is_none()
    );
    // A suppression of an unknown kind is refused by the schema: the check is real.
    let mut broken = doc.clone();
    let i = results
        .iter()
        .position(|r| r.get("suppressions").is_some())
        .unwrap();
    broken["runs"][0]["results"][i]["suppressions"][0]["kind"] = Value::from("annotation");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn helm_sources_are_result_properties() {
    let validator = schema();
    let args = ["crates/secctx-cli/tests/data/repo/helm-rendered.yaml"];
    let (_, doc) = sarif(&args);
    assert_valid(&validator, &args, &doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["properties"]["source"] == "web/templates/deployment.yaml"),
        "{doc}"
    );
}
