//! Fuzz target: the manifest loader must never panic, whatever UTF-8 text it is given.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = secctx_core::load::load_text("fuzz.yaml", text);
});
