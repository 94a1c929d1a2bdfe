//! What `secctx fix` did to each file and object: the model both printers render.

use std::sync::Arc;

use secctx_core::fix::{Status, WorkloadFix};
use secctx_core::load::Workload;
use secctx_core::path::FieldPath;
use secctx_core::yaml::Pos;

/// One object's fix.
pub struct ObjectFix {
    /// The kind.
    pub kind: &'static str,
    /// The name.
    pub name: String,
    /// The file.
    pub file: Arc<str>,
    /// Where the object starts.
    pub pos: Pos,
    /// The pod template's path in the object (fields are shown from the object's root).
    pub template: FieldPath,
    /// The plan.
    pub fix: WorkloadFix,
}

impl ObjectFix {
    /// The fix of `w`.
    pub fn new(w: &Workload, fix: WorkloadFix) -> ObjectFix {
        ObjectFix {
            kind: w.kind.as_str(),
            name: w.name().to_owned(),
            file: w.origin.file.clone(),
            pos: w.origin.pos(),
            template: w.template_path(),
            fix,
        }
    }

    /// A pod-template field as a path from the object's root.
    pub fn field(&self, f: &FieldPath) -> String {
        self.template.join(f).to_string()
    }
}

/// One file's fix.
pub struct FileFix {
    /// The file name as given (`-` for standard input).
    pub file: String,
    /// Whether it is standard input.
    pub stdin: bool,
    /// Its objects.
    pub objects: Vec<ObjectFix>,
    /// Whether the edits changed its text.
    pub changed: bool,
    /// Whether the new text was written.
    pub written: bool,
    /// The unified diff (empty when unchanged).
    pub diff: String,
    /// The text: the new text when changed.
    pub text: String,
    /// What the editor noted (anchors and aliases kept).
    pub notes: Vec<String>,
    /// What went wrong reading, loading, editing or writing.
    pub errors: Vec<String>,
}

impl FileFix {
    /// An empty result for `file`.
    pub fn new(file: &str, stdin: bool) -> FileFix {
        FileFix {
            file: file.to_owned(),
            stdin,
            objects: Vec::new(),
            changed: false,
            written: false,
            diff: String::new(),
            text: String::new(),
            notes: Vec::new(),
            errors: Vec::new(),
        }
    }
}

/// Objects by status: (fixed, partly, unchanged, passing).
pub fn counts(files: &[FileFix]) -> (usize, usize, usize, usize) {
    let mut c = (0, 0, 0, 0);
    for o in files.iter().flat_map(|f| &f.objects) {
        match o.fix.status {
            Status::Fixed => c.0 += 1,
            Status::Partly => c.1 += 1,
            Status::Unchanged => c.2 += 1,
            Status::Passing => c.3 += 1,
        }
    }
    c
}

/// `kebab-case` status word.
pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Passing => "passes already",
        Status::Fixed => "fixed",
        Status::Partly => "partly fixed",
        Status::Unchanged => "not fixed",
    }
}
