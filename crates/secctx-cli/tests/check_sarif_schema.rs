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
