//! The C ABI. Nothing else in the crate depends on this module.
//!
//! Conventions (see `include/cloudconnexa.h`): prefix `ccx_`; opaque handles; every
//! fallible function returns a `ccx_code` (0 = OK) and fills an optional
//! `ccx_error **err_out`; outputs are written only on success; strings in as
//! (pointer, length) UTF-8; owned buffers out as `ccx_bytes`; every `_free` accepts
//! NULL; panics never cross the boundary.

pub mod boundary;
pub mod client;
pub mod code;
pub mod config;
pub mod error;
pub mod extras;
#[rustfmt::skip]
pub mod generated;
pub mod log;
pub mod options;
pub mod resources;
pub mod types;

#[cfg(test)]
mod boundary_tests;
