//! YAML as kubectl reads it: libyaml's syntax (go-yaml v2 is a port of libyaml), YAML 1.1
//! scalars (go-yaml v2's rules), `sigs.k8s.io/yaml`'s keys, merge keys and anchors resolved,
//! duplicate keys rejected, every value with its line and column.

mod build;
mod fast;
mod node;
mod parse;
pub mod resolve;
mod scalar;

pub use node::{JsonError, Key, Node, Pos, Value};
pub(crate) use parse::{Chunk, split_documents};
pub use parse::{
    Document, MAX_DEPTH, MAX_NODES, YamlError, bad_separator, parse_document, parse_stream,
};

#[cfg(test)]
mod fast_tests;
#[cfg(test)]
mod tests;
