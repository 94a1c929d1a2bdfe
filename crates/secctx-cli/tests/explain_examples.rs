//! Bar: for every manifest in `../shared/examples/pods`, `explain` prints exactly the `id` line
//! and `Cap*` values of `../shared/examples/EXPECTED.md` (with the busybox-static test images),
//! and snapshots hold the whole output.

mod common;

use common::{image_args, secctx, shared, with_stdin};

struct Expected {
    manifest: String,
    id: String,
    caps: Vec<String>,
}

/// Parses the EXPECTED.md table: `| manifest | id | CapPrm / CapEff / CapBnd / NoNewPrivs / Seccomp | ... |`.
fn expected() -> Vec<Expected> {
    let text = std::fs::read_to_string(shared().join("examples/EXPECTED.md")).unwrap();
    let mut rows = Vec::new();
    for line in text
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains(".yaml"))
    {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let manifest = cells[1].split_whitespace().next().unwrap().to_string();
        let id = cells[2].trim_matches('`').to_string();
        let caps = cells[3]
            .split(" / ")
            .map(|s| s.trim().to_string())
            .collect();
        rows.push(Expected { manifest, id, caps });
    }
    rows
}

fn hex(s: &str) -> u64 {
    u64::from_str_radix(s.trim_end_matches(" ...").trim(), 16).unwrap()
}

fn field<'a>(out: &'a str, label: &str) -> Vec<&'a str> {
    out.lines()
        .filter_map(|l| l.trim_start().strip_prefix(label))
        .map(|rest| rest.split_whitespace().next().unwrap_or(""))
        .collect()
}

#[test]
fn explain_matches_expected_md_for_every_example() {
    let rows = expected();
    let mut pods: Vec<String> = std::fs::read_dir(shared().join("examples/pods"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pods.sort();
    assert_eq!(
        rows.len(),
        pods.len(),
        "every example has a row in EXPECTED.md"
    );
    let mut checked = 0;
    for row in &rows {
        let path = format!("../shared/examples/pods/{}", row.manifest);
        let out = secctx()
            .arg("explain")
            .arg(&path)
            .args(image_args())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            row.manifest,
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let ids: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("id "))
            .map(str::trim)
            .collect();
        // The id column: an exact line, or prose (`root`, `root inside a user namespace`).
        if row.id.starts_with("uid=") {
            assert!(
                ids.iter().all(|i| *i == row.id),
                "{}: id {ids:?} != {}",
                row.manifest,
                row.id
            );
        } else if row.id.starts_with("root") {
            assert!(
                ids.iter().all(|i| i.starts_with("uid=0(root) gid=0(root)")),
                "{}: {ids:?}",
                row.manifest
            );
        }
        // The caps column: CapPrm / CapEff / CapBnd / NoNewPrivs / Seccomp ("X ..." = X thrice).
        if row.caps.len() == 5 {
            let (prm, eff, bnd) = (
                field(&text, "CapPrm"),
                field(&text, "CapEff"),
                field(&text, "CapBnd"),
            );
            for i in 0..prm.len() {
                assert_eq!(hex(prm[i]), hex(&row.caps[0]), "{} CapPrm", row.manifest);
                assert_eq!(hex(eff[i]), hex(&row.caps[1]), "{} CapEff", row.manifest);
                assert_eq!(hex(bnd[i]), hex(&row.caps[2]), "{} CapBnd", row.manifest);
            }
            let nnp = field(&text, "NoNewPrivs");
            let seccomp = field(&text, "Seccomp");
            assert!(
                nnp.iter().all(|v| *v == row.caps[3]),
                "{} NoNewPrivs {nnp:?}",
                row.manifest
            );
            assert!(
                seccomp.iter().all(|v| *v == row.caps[4]),
                "{} Seccomp {seccomp:?}",
                row.manifest
            );
        } else if row.caps.len() == 3 {
            // "a80425fb ... / 0 / 2": all three sets, NoNewPrivs, Seccomp.
            for label in ["CapPrm", "CapEff", "CapBnd"] {
                for v in field(&text, label) {
                    assert_eq!(hex(v), hex(&row.caps[0]), "{} {label}", row.manifest);
                }
            }
            assert!(field(&text, "NoNewPrivs").iter().all(|v| *v == row.caps[1]));
            assert!(field(&text, "Seccomp").iter().all(|v| *v == row.caps[2]));
        }
        checked += 1;
        insta::assert_snapshot!(row.manifest.clone(), text);
    }
    assert_eq!(checked, 10);
}

#[test]
fn explain_json_has_the_documented_shape() {
    let out = secctx()
        .args([
            "explain",
            "-o",
            "json",
            "examples/pods/security-context.yaml",
        ])
        .args(image_args())
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema"], "secctx.explain/v1");
    let c = &v["pods"][0]["containers"][0];
    assert_eq!(c["idLine"], "uid=1000 gid=3000 groups=2000,3000,4000");
    assert_eq!(c["caps"]["value"]["bnd"], "00000000a80425fb");
    assert_eq!(c["identity"]["uid"]["source"]["kind"], "podField");
    assert_eq!(
        c["statusUser"]["supplementalGroups"],
        serde_json::json!([2000, 3000, 4000])
    );
    assert_eq!(v["pods"][0]["object"]["line"], 1);
}

#[test]
fn without_image_data_values_are_unknown_with_the_reason() {
    let out = secctx()
        .args(["explain", "examples/pods/security-context-3.yaml"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("uid          unknown"), "{text}");
    assert!(
        text.contains("--image gcr.io/google-samples/hello-app:2.0=PATH"),
        "{text}"
    );
}

#[test]
fn bad_documents_exit_2_and_the_others_are_still_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("mixed.yaml");
    std::fs::write(
        &f,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: c, image: i}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  securityContext:\n    runAsUser: lots\n  containers: [{name: c, image: i}]\n",
    )
    .unwrap();
    let out = secctx().arg("explain").arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stdout.contains("pod/ok"), "{stdout}");
    assert!(
        stderr.contains("mixed.yaml:12:5: spec.securityContext.runAsUser: invalid type: string \"lots\", expected i64"),
        "{stderr}"
    );
}

#[test]
fn stdin() {
    let out = with_stdin(
        secctx().args(["explain", "-"]),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: piped}\nspec:\n  securityContext: {runAsUser: 5, runAsGroup: 6}\n  containers: [{name: c, image: i}]\n",
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("pod/piped  -:1:1"), "{text}");
}
