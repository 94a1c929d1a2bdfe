//! secctx-runtime: every Linux effect secctx has.
