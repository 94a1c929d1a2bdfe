//! Why an edit could not be applied: the document, the path and the reason.

use std::fmt;

use super::Seg;

/// An edit that could not be applied. Nothing is written when any edit fails.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("document {document}, {path}: {reason}", path = PathText(.path))]
pub struct EditError {
    /// The 0-based document index (as `load` counts documents).
    pub document: usize,
    /// The path of the edit.
    pub path: Vec<Seg>,
    /// The 1-based line where the problem is, when known.
    pub line: Option<u32>,
    /// What is wrong.
    pub reason: EditErrorKind,
}

/// What is wrong with an edit.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EditErrorKind {
    /// The file has fewer documents.
    #[error("no such document (the file has {0})")]
    NoDocument(usize),
    /// The document does not parse.
    #[error("the document does not parse: {0}")]
    Syntax(String),
    /// A step of the path expects a mapping and finds something else.
    #[error("`{at}` is {found}, not a mapping")]
    NotAMapping {
        /// The path up to the offending node.
        at: String,
        /// What was found (a sequence, a scalar).
        found: &'static str,
    },
    /// A step of the path expects a sequence and finds something else.
    #[error("`{at}` is {found}, not a sequence")]
    NotASequence {
        /// The path up to the offending node.
        at: String,
        /// What was found.
        found: &'static str,
    },
    /// A sequence index past the end (only the index one past the last item can be set:
    /// that appends).
    #[error("`{at}` has {len} items; index {index} cannot be set")]
    NoItem {
        /// The path of the sequence.
        at: String,
        /// The index asked for.
        index: usize,
        /// The sequence's length.
        len: usize,
    },
    /// The path goes through an alias (`*name`): editing it would change the anchored node
    /// and every other alias of it.
    #[error("`{at}` is the alias *{alias}; edit the anchored node or write the value out first")]
    ThroughAlias {
        /// The path of the alias.
        at: String,
        /// The alias name.
        alias: String,
    },
    /// The key comes (or would come, once removed) from a merge (`<<: *base`), so it cannot
    /// be edited in place.
    #[error(
        "`{at}` is in a mapping with a merge key (<<), whose value would show through; write the keys out first"
    )]
    ThroughMerge {
        /// The path of the missing key.
        at: String,
    },
    /// The edit changes a node an alias elsewhere in the document refers to.
    #[error(
        "`{at}` is inside the anchor &{anchor}, which aliases elsewhere use; the edit would change them too"
    )]
    SharedAnchor {
        /// The path of the anchored node.
        at: String,
        /// The anchor name.
        anchor: String,
    },
    /// The edit would need to change the root of the document.
    #[error("the document root cannot be removed")]
    RemoveRoot,
    /// A layout the editor does not rewrite (reported rather than risking a wrong file).
    #[error("unsupported layout at `{at}`: {what}")]
    Layout {
        /// The path of the node.
        at: String,
        /// What is unusual.
        what: &'static str,
    },
    /// The edited text did not load back to the intended objects (a bug in the editor; the
    /// file is left alone).
    #[error("the edited document does not load back as intended: {0}")]
    Unverified(String),
}

/// Renders a path as `spec.containers[0].securityContext`.
pub(crate) struct PathText<'a>(pub &'a [Seg]);

impl fmt::Display for PathText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(root)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}
