//! Unit tests of the OCI rendering.
