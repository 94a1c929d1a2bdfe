//! API server validation of the security fields of a Pod or pod template, with the field paths
//! and messages kube-apiserver prints.
//!
//! This first part holds the rendering: [`FieldError`] as apimachinery's `field.Error`, Go's
//! `%q` ([`go_quote`]) and `encoding/json` ([`GoJson`]) for bad values, [`invalid_message`] for
//! the whole `Pod "x" is invalid: ...` text.

mod error;
mod gojson;
mod quote;

pub use error::{ErrorType, FieldError, ValueRepr, aggregate, invalid_message};
pub use gojson::GoJson;
pub use quote::go_quote;
