//! `secctx namespace allocate`: the allocator over Namespace objects in files, printing and
//! `--write`, with existing annotations as the state.

mod common;

use common::secctx;

const NS: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  name: adm-old
  annotations:
    openshift.io/sa.scc.uid-range: 1000000000/10000
    openshift.io/sa.scc.mcs: s0:c1,c0
---
apiVersion: v1
kind: Namespace
metadata:
  name: adm-new
  labels:
    team: \"a\"
---
apiVersion: v1
kind: Namespace
metadata:
  name: adm-annotated
  annotations:
    note: hi
";

fn allocate(args: &[&str]) -> (i32, String, String) {
    let out = secctx()
        .args(["namespace", "allocate"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn prints_then_writes_then_keeps() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ns.yaml");
    std::fs::write(&file, NS).unwrap();
    let f = file.to_str().unwrap();

    let (code, out, err) = allocate(&[f]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "adm-old: kept block 0 (openshift.io/sa.scc.uid-range: 1000000000/10000)
adm-new: allocated block 1
  openshift.io/sa.scc.mcs: s0:c3,c2
  openshift.io/sa.scc.supplemental-groups: 1000010000/10000
  openshift.io/sa.scc.uid-range: 1000010000/10000
adm-annotated: allocated block 2
  openshift.io/sa.scc.mcs: s0:c5,c0
  openshift.io/sa.scc.supplemental-groups: 1000020000/10000
  openshift.io/sa.scc.uid-range: 1000020000/10000
"
    );
    // Printing alone writes nothing.
    assert_eq!(std::fs::read_to_string(&file).unwrap(), NS);

    let (code, _, err) = allocate(&[f, "--write"]);
    assert_eq!(code, 0, "{err}");
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains(
        "metadata:
  annotations:
    openshift.io/sa.scc.mcs: \"s0:c3,c2\"
    openshift.io/sa.scc.supplemental-groups: \"1000010000/10000\"
    openshift.io/sa.scc.uid-range: \"1000010000/10000\"
  name: adm-new
  labels:"
    ));
    assert!(written.contains(
        "  annotations:
    openshift.io/sa.scc.mcs: \"s0:c5,c0\"
    openshift.io/sa.scc.supplemental-groups: \"1000020000/10000\"
    openshift.io/sa.scc.uid-range: \"1000020000/10000\"
    note: hi"
    ));

    // Written annotations are the state now: a second run keeps everything.
    let (code, out, _) = allocate(&[f]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "adm-old: kept block 0 (openshift.io/sa.scc.uid-range: 1000000000/10000)
adm-new: kept block 1 (openshift.io/sa.scc.uid-range: 1000010000/10000)
adm-annotated: kept block 2 (openshift.io/sa.scc.uid-range: 1000020000/10000)
"
    );
}
