//! Renderers: one result model, several formats. Nothing else prints to stdout.

pub mod admit_json;
pub mod admit_text;
pub mod admit_yaml;
pub mod check_json;
pub mod check_sarif;
pub mod check_sink;
pub mod check_text;
pub mod explain_json;
pub mod explain_text;
pub mod fix_diff;
pub mod fix_json;
pub mod fix_report;
pub mod fix_text;
pub mod suggest_json;
pub mod suggest_text;

use std::io::Write;

use clap::ValueEnum;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable text.
    Text,
    /// JSON (schema in docs/).
    Json,
}

/// Writes to stdout; a closed pipe (`| head`) ends the output quietly.
pub fn emit(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

/// Writes a diagnostic line to stderr.
pub fn diag(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}
