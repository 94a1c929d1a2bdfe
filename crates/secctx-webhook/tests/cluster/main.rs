//! The kube client paths of `secctx serve` (watches, live GET, Lease, allocation) against an
//! in-memory API server behind kube-rs's mock service (`support::fakeapi`).

mod allocator;
mod connect;
mod lease;
mod lookup;
mod support;
mod watch;
