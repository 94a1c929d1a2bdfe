//! Placeholder; the benchmark lands with the evaluator.
fn main() {}
