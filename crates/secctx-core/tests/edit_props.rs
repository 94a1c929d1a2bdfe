//! Random edit sets on the edit corpus: whatever the editor accepts reads back as the original
//! objects with the edits made (`load(apply(x)) == apply_to_json(load(x))`), and what it
//! refuses, it refuses for a reason about the document (an alias, a merge key, a shared
//! anchor, a path that cannot be followed), never because its own output was wrong.

mod edit_support;

use proptest::prelude::*;
use secctx_core::edit::{Edit, EditErrorKind, Op, Seg, apply};
use serde_json::{Value as Json, json};

use edit_support::{Case, corpus, documents};

fn values() -> Vec<Json> {
    vec![
        json!(true),
        json!(false),
        json!(0),
        json!(1000),
        json!(-1),
        json!(1.5),
        json!(null),
        json!("RuntimeDefault"),
        json!("on"),
        json!("0644"),
        json!("a b"),
        json!(""),
        json!("multi\nline"),
        json!("ünï ✓"),
        json!("- x"),
        json!("#c"),
        json!("key: v"),
        json!("'q'"),
        json!(["ALL"]),
        json!(["NET_RAW", "CHOWN"]),
        json!([]),
        json!({}),
        json!({"type": "RuntimeDefault"}),
        json!({"drop": ["ALL"], "add": []}),
        json!([{"name": "x", "value": "1"}]),
    ]
}

const NEW_KEYS: &[&str] = &[
    "securityContext",
    "runAsNonRoot",
    "new-key",
    "a.b",
    "with space",
    "123",
    "true",
    "ü",
];

/// Every path to a node of a JSON value.
fn paths(v: &Json, here: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    out.push(here.clone());
    match v {
        Json::Object(map) => {
            for (k, child) in map {
                here.push(Seg::Key(k.clone()));
                paths(child, here, out);
                here.pop();
            }
        }
        Json::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                here.push(Seg::Index(i));
                paths(child, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

/// An edit built from random numbers against the current JSON of a document.
fn edit_from(doc: &Json, document: usize, seed: (usize, usize, usize, usize)) -> Edit {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    let mut path = all[seed.0 % all.len()].clone();
    let vals = values();
    let value = vals[seed.2 % vals.len()].clone();
    let op = match seed.1 % 4 {
        // Replace what is there.
        0 if !path.is_empty() => Op::Set(value),
        // Remove what is there.
        1 if !path.is_empty() => Op::Remove,
        // Add a key under a mapping, or append to a sequence.
        _ => {
            // Under the nearest collection (or null) at or above the chosen node.
            while !path.is_empty()
                && !matches!(
                    node(doc, &path),
                    Some(Json::Object(_) | Json::Array(_) | Json::Null)
                )
            {
                path.pop();
            }
            match node(doc, &path) {
                Some(Json::Array(items)) => path.push(Seg::Index(items.len())),
                _ => {
                    path.push(Seg::Key(NEW_KEYS[seed.3 % NEW_KEYS.len()].into()));
                    if seed.3.is_multiple_of(3) {
                        path.push(Seg::Key("nested".into()));
                    }
                }
            }
            Op::Set(value)
        }
    };
    Edit { document, path, op }
}

fn node<'a>(v: &'a Json, path: &[Seg]) -> Option<&'a Json> {
    path.iter().try_fold(v, |v, s| match (s, v) {
        (Seg::Key(k), Json::Object(m)) => m.get(k),
        (Seg::Index(i), Json::Array(a)) => a.get(*i),
        _ => None,
    })
}

fn check(case: &Case, seeds: &[(usize, usize, usize, usize, usize)]) -> Result<(), TestCaseError> {
    let mut docs = documents(&case.text);
    let loaded: Vec<usize> = (0..docs.len()).filter(|&i| docs[i].is_some()).collect();
    let mut edits = Vec::new();
    let mut expect_ok = true;
    for &(d, a, b, c, e) in seeds {
        let document = loaded[d % loaded.len()];
        let doc = docs[document].as_mut().expect("loaded");
        let edit = edit_from(doc, document, (a, b, c, e));
        expect_ok &= secctx_core::edit::apply_to_json(doc, &edit);
        edits.push(edit);
    }
    match apply(&case.text, &edits) {
        Ok(applied) => {
            prop_assert!(
                expect_ok,
                "{}: the editor accepted an impossible edit",
                case.name
            );
            prop_assert_eq!(documents(&applied.text), docs, "{}: {:?}", case.name, edits);
        }
        Err(e) => {
            let fine = matches!(
                e.reason,
                EditErrorKind::ThroughAlias { .. }
                    | EditErrorKind::ThroughMerge { .. }
                    | EditErrorKind::SharedAnchor { .. }
                    | EditErrorKind::NotAMapping { .. }
                    | EditErrorKind::NotASequence { .. }
                    | EditErrorKind::NoItem { .. }
            );
            prop_assert!(fine, "{}: {e}\nedits: {:?}", case.name, edits);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_edits_read_back_as_the_same_edits_on_the_objects(
        file in any::<usize>(),
        seeds in prop::collection::vec(any::<(usize, usize, usize, usize, usize)>(), 1..6),
    ) {
        let cases = corpus();
        let case = &cases[file % cases.len()];
        check(case, &seeds)?;
    }
}

/// The property above is not vacuous: most random edit sets are accepted and change the text.
#[test]
fn most_random_edit_sets_are_applied() {
    let cases = corpus();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    };
    let (mut applied, mut refused) = (0, 0);
    for _ in 0..400 {
        let case = &cases[next() % cases.len()];
        let seeds: Vec<_> = (0..1 + next() % 4)
            .map(|_| (next(), next(), next(), next(), next()))
            .collect();
        check(case, &seeds).unwrap_or_else(|e| panic!("{e}"));
        let mut docs = documents(&case.text);
        let loaded: Vec<usize> = (0..docs.len()).filter(|&i| docs[i].is_some()).collect();
        let edits: Vec<Edit> = seeds
            .iter()
            .map(|&(d, a, b, c, e)| {
                let document = loaded[d % loaded.len()];
                let doc = docs[document].as_mut().expect("loaded");
                let edit = edit_from(doc, document, (a, b, c, e));
                secctx_core::edit::apply_to_json(doc, &edit);
                edit
            })
            .collect();
        match apply(&case.text, &edits) {
            Ok(a) if a.changed() => applied += 1,
            Ok(_) => refused += 1,
            Err(_) => refused += 1,
        }
    }
    eprintln!("{applied} applied, {refused} refused or unchanged");
    assert!(
        applied > 300,
        "{applied} applied, {refused} refused or unchanged"
    );
}
