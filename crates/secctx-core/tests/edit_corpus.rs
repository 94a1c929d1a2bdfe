//! Bar 2 of `fix`: on at least 30 tricky files, every byte outside the edited mappings is
//! unchanged, the result loads to the same objects apart from the intended edits, and the
//! diff `fix` would print is the reviewed one (snapshots).

mod edit_support;

use secctx_core::edit::{apply, unified_diff};
use secctx_core::load::load_text;
use similar::{DiffOp, TextDiff};

use edit_support::{allowed_lines, corpus, documents, expected};

#[test]
fn the_corpus_has_at_least_30_files_with_edits() {
    let cases = corpus();
    assert!(cases.len() >= 30, "only {} corpus files", cases.len());
    for c in &cases {
        assert!(!c.edits.is_empty(), "{} has no edits", c.name);
    }
}

#[test]
fn edited_files_load_to_the_intended_objects() {
    for case in corpus() {
        let before = load_text(&case.name, &case.text);
        assert!(
            before.errors.is_empty(),
            "{} must load: {:?}",
            case.name,
            before.errors
        );
        let applied =
            apply(&case.text, &case.edits).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert!(applied.changed(), "{}: nothing changed", case.name);
        assert_eq!(
            documents(&applied.text),
            expected(&case.text, &case.edits),
            "{}: the edited file reads back as the original objects with the edits made",
            case.name
        );
        let after = load_text(&case.name, &applied.text);
        assert!(after.errors.is_empty(), "{}: {:?}", case.name, after.errors);
        assert_eq!(after.objects.len(), before.objects.len(), "{}", case.name);
        assert_eq!(after.documents, before.documents, "{}", case.name);
        assert_eq!(after.skipped, before.skipped, "{}", case.name);
    }
}

#[test]
fn bytes_outside_the_edited_mappings_are_unchanged() {
    for case in corpus() {
        let applied =
            apply(&case.text, &case.edits).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let new = applied.text.as_str();
        let old = case.text.as_str();
        assert_eq!(
            old.starts_with('\u{feff}'),
            new.starts_with('\u{feff}'),
            "{}: byte order mark",
            case.name
        );
        let allowed: Vec<(u32, u32)> = case.edits.iter().map(|e| allowed_lines(old, e)).collect();
        let inside = |line: u32| allowed.iter().any(|&(a, b)| a <= line && line <= b);
        let diff = TextDiff::from_lines(old, new);
        for op in diff.ops() {
            let (tag, old_range, new_range) = op.as_tag_tuple();
            if matches!(op, DiffOp::Equal { .. }) {
                continue;
            }
            // Lines taken away or rewritten must lie in an edited mapping.
            for i in old_range.clone() {
                assert!(
                    inside(i as u32 + 1),
                    "{}: line {} changed ({tag:?}) outside the edited mappings {allowed:?}",
                    case.name,
                    i + 1
                );
            }
            // Lines added go after a line of an edited mapping.
            if old_range.is_empty() {
                assert!(
                    inside(old_range.start as u32),
                    "{}: lines added after line {} outside the edited mappings {allowed:?}",
                    case.name,
                    old_range.start
                );
            }
            // New lines end as the file's lines do.
            let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
            for i in new_range {
                let line = new_lines[i];
                if line.ends_with('\n') {
                    assert_eq!(
                        line.ends_with("\r\n"),
                        old.contains("\r\n"),
                        "{}: line ending of new line {:?}",
                        case.name,
                        line
                    );
                }
            }
        }
    }
}

#[test]
fn the_diffs_are_the_reviewed_ones() {
    for case in corpus() {
        let applied =
            apply(&case.text, &case.edits).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let diff = unified_diff(&case.name, &case.text, &applied.text);
        let notes: Vec<String> = applied
            .notes
            .iter()
            .map(|n| format!("edit {} line {}: {}", n.edit, n.line, n.message))
            .collect();
        let shown = format!("{diff}\n{}\n", notes.join("\n")).replace('\r', "\\r");
        insta::assert_snapshot!(case.name.clone(), shown);
    }
}

#[test]
fn applying_the_edits_again_changes_nothing() {
    for case in corpus() {
        let once = apply(&case.text, &case.edits).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        // Appends and removals by index are not repeatable; the rest must be.
        let repeatable: Vec<_> = case
            .edits
            .iter()
            .filter(|e| !matches!(e.path.last(), Some(secctx_core::edit::Seg::Index(_))))
            .cloned()
            .collect();
        let twice = apply(&once.text, &repeatable)
            .unwrap_or_else(|e| panic!("{} (second time): {e}", case.name));
        assert_eq!(twice.text, once.text, "{}", case.name);
        assert!(!twice.changed(), "{}", case.name);
    }
}
