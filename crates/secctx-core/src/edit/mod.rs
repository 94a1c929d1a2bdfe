//! Lossless edits of manifest files: the field changes `fix` (and later `record`) decide, applied
//! to the user's own bytes so that everything outside the edited mappings stays as it was
//! (comments, key order, quoting, indentation, flow style, CRLF, BOM, documents).
//!
//! This module holds the vocabulary shared by the deciders (`fix`'s remedies, which produce
//! [`Edit`]s) and the editor, [`apply`], which applies them to text: each edit becomes one
//! splice of the document's bytes at the spans libyaml reports, so nothing else can change;
//! new keys follow their siblings' indentation and line ending, flow collections stay flow, a
//! JSON file stays JSON. Every edited document is read back and compared with the intended
//! objects ([`apply_to_json`]) before the text is returned. [`unified_diff`] renders the change.

mod batch;
mod diff;
mod doc;
mod error;
mod layout;
mod render;
mod splice;
mod stream;
mod tree;
mod value;

use serde::Serialize;

pub use diff::unified_diff;
pub use error::{EditError, EditErrorKind};
pub use stream::{Applied, ApplyOptions, Note, apply, apply_with};
pub use value::apply_to_json;

/// One step of a path into a manifest object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// What to do at a path.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "op", content = "value", rename_all = "lowercase")]
pub enum Op {
    /// Set the value, creating the missing mappings on the way (as block mappings in block
    /// style, flow in flow style).
    Set(serde_json::Value),
    /// Remove the key or sequence item; nothing happens if it is already absent.
    Remove,
}

/// One change to one object of a file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Edit {
    /// The 0-based index of the document in the file's YAML stream, counted as `load` counts
    /// them (a JSON file is document 0).
    pub document: usize,
    /// Where in that document's root, e.g. `spec`, `template`, `spec`, `containers`, `0`,
    /// `securityContext`, `runAsNonRoot` (a `List`'s objects are under `items`, index).
    pub path: Vec<Seg>,
    /// The change.
    pub op: Op,
}

#[cfg(test)]
mod tests;
