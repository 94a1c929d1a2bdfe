//! `secctx check --suggest`: the strictest Pod Security level and version per namespace
//! ([`secctx_core::check::suggest`]), as text or JSON.

use std::process::ExitCode;

use anyhow::bail;
use secctx_core::check::CheckOptions;
use secctx_core::check::suggest::suggest;

use super::{CheckArgs, CheckFormat};
use crate::input::{InputFilter, print_warnings, read_inputs_with};
use crate::output::{diag, emit, suggest_json, suggest_text};

/// Runs `secctx check --suggest`: exit 0 with the suggestions, 2 when an input could not be
/// read (the suggestions of what was read are still printed, but may be too strict).
pub fn run(
    args: &CheckArgs,
    opts: &CheckOptions,
    filter: &InputFilter<'_>,
) -> anyhow::Result<ExitCode> {
    if args.format == CheckFormat::Sarif {
        bail!("--suggest prints text or json (-o text|json), not sarif");
    }
    let inputs = read_inputs_with(&args.files, &args.fields.options(), filter);
    print_warnings(&inputs.loaded);
    let loaded = &inputs.loaded;
    let report = suggest(loaded, opts);
    match args.format {
        CheckFormat::Json => emit(&suggest_json::render(&report, loaded, inputs.files))?,
        CheckFormat::Text | CheckFormat::Sarif => {
            emit(&suggest_text::render(&report))?;
            for e in &loaded.errors {
                diag(&format!("error: {e}"));
            }
            diag(&suggest_text::summary(
                &report,
                inputs.files,
                loaded.errors.len(),
            ));
        }
    }
    Ok(if loaded.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
