//! `cloudconnexa`: a blocking, thread-safe client for the OpenVPN Cloud Connexa REST API.
//!
//! The client itself lands with issue 3; this crate currently only anchors the workspace
//! layout described in `DESIGN.md`. The API emulator lives in the `cloudconnexa-mock`
//! workspace member (`mock/`).

/// Version of this library, as in `Cargo.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
