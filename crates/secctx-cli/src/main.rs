//! The `secctx` command.
fn main() {}
