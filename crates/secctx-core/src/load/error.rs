//! Load errors: where (file:line:column), which field, and what was expected.

use std::fmt;
use std::sync::Arc;

use crate::yaml::Pos;

/// Why one document (or one object inside a `List`) could not be loaded.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct LoadError {
    /// The file the document came from (`-` for standard input).
    pub file: Arc<str>,
    /// Where the problem is.
    pub pos: Pos,
    /// The field path at fault, when there is one (`spec.containers[0].securityContext.runAsUser`).
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A file-level error (unreadable, not a file) has no position: name the file alone.
        if self.pos.line == 0 {
            write!(f, "{}", self.file)?;
        } else {
            write!(f, "{}:{}", self.file, self.pos)?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}
