//! YAML as Kubernetes reads it: YAML 1.1 scalars (go-yaml v2), duplicate keys rejected, merge
//! keys and anchors resolved, every value with its line and column.

mod node;
mod parse;
pub mod resolve;

pub use node::{JsonError, Key, Node, Pos, Value};
pub use parse::{Document, MAX_DEPTH, MAX_NODES, YamlError, parse_stream};

#[cfg(test)]
mod tests;
