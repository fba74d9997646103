//! Placeholder; the criterion benchmarks follow.
fn main() {}
