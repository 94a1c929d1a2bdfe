//! What `check` makes of one whole file: a file none of whose documents is a Kubernetes
//! object (a Helm `values.yaml`, a CI workflow, `.pre-commit-config.yaml`) is skipped with a
//! note in a repository, and an error only when asked (`--strict-files`).

use crate::load::{LoadError, Loaded};

/// The loader's errors for a document that is not a Kubernetes object at all.
const NOT_AN_OBJECT: [&str; 2] = [
    "apiVersion and kind not set",
    "expected a Kubernetes object (a mapping with apiVersion and kind)",
];

/// Whether one file's load found no Kubernetes object: nothing loaded or skipped, and every
/// error says a document lacks both `apiVersion` and `kind` (or is not a mapping). A YAML
/// syntax error, or a document with only one of the two, is still an error.
pub fn has_no_objects(file: &Loaded) -> bool {
    file.objects.is_empty() && file.skipped.is_empty() && file.errors.iter().all(is_not_an_object)
}

/// Whether a load error only says that a document is not a Kubernetes object at all (no
/// `apiVersion` and no `kind`, or not a mapping).
pub fn is_not_an_object(e: &LoadError) -> bool {
    NOT_AN_OBJECT.contains(&e.message.as_str())
}

#[cfg(test)]
mod tests {
    use super::has_no_objects;
    use crate::load::load_text;

    #[test]
    fn only_documents_without_kind_and_apiversion() {
        let yes = [
            "replicaCount: 1\nimage: {tag: x}\n",
            "",
            "# only a comment\n",
            "- a\n- b\n",
            "repos:\n- repo: local\n---\nfoo: bar\n",
        ];
        for t in yes {
            assert!(has_no_objects(&load_text("f", t)), "{t:?}");
        }
        let no = [
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}]}\n",
            "kind: Pod\n",
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n",
            "a: [\n",
            "foo: bar\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
        ];
        for t in no {
            assert!(!has_no_objects(&load_text("f", t)), "{t:?}");
        }
    }
}
