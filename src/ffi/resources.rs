//! Resource functions: JSON in, JSON out, checked against the typed models.
//! The generic bodies live here; `generated.rs` (written by `build.rs` from the
//! operation table in `codegen/table.rs`, committed so cbindgen sees literal signatures)
//! holds every function that calls the API.
//!
//! Every function here: `client` first, then ids as (pointer, length), JSON bodies as
//! (pointer, length), the optional `opts` (NULL for none), then the outputs
//! (`json_out` is written only on success; free it with `ccx_bytes_free`), then the
//! optional `err_out`. Malformed JSON, wrong types and missing required fields are
//! `CCX_CODE_INVALID_JSON` naming the field; server refusals are `CCX_CODE_HTTP_STATUS`
//! with the status and the server's `ErrorResponse` body on the error.

use std::ffi::c_char;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::boundary::{arg, bytes, guard, out, required_string, string};
use super::client::ccx_client;
use super::code::ccx_code;
use super::error::ccx_error;
use super::options::{ccx_call_options, with_options};
use super::types::ccx_bytes;
use crate::api::crud::{ChildResource, Resource};
use crate::api::{ChildCollection, Collection, PageRequest};

/// Serialise an answer for `json_out`.
pub(crate) fn to_json<T: Serialize + ?Sized>(v: &T) -> Result<ccx_bytes, ccx_error> {
    serde_json::to_vec(v)
        .map(ccx_bytes::from_vec)
        .map_err(|e| ccx_error::new(ccx_code::Internal, format!("cannot serialise the answer: {e}")))
}

/// Parse a JSON body, first checking that the `required` top-level fields are there and
/// not blank (the same fields the service requires).
pub(crate) fn body<T: DeserializeOwned>(b: &[u8], required: &[&str]) -> Result<T, ccx_error> {
    Ok(super::convert::body(b, required)?)
}

fn page(p: u32, size: u32) -> PageRequest {
    PageRequest::new(p, size)
}

/// The body of every generated function: check `client`, run `f` under the options.
pub(crate) fn call(
    client: *const ccx_client,
    opts: *const ccx_call_options,
    err_out: *mut *mut ccx_error,
    f: impl FnOnce(&crate::Client) -> Result<(), ccx_error>,
) -> ccx_code {
    guard(err_out, || {
        // SAFETY: documented on every resource function: `client` is NULL or live.
        let c = unsafe { arg(client, "client")? };
        with_options(opts, || f(&c.0))
    })
}

pub(crate) fn list_page<R: Resource>(c: Collection<'_, R>, p: u32, size: u32) -> Result<ccx_bytes, ccx_error>
where
    R::Item: Serialize,
{
    to_json(&c.list(page(p, size))?)
}

pub(crate) fn create<R: Resource>(c: Collection<'_, R>, b: &[u8], required: &[&str]) -> Result<ccx_bytes, ccx_error>
where
    R::Create: DeserializeOwned + Sized,
    R::Item: Serialize,
{
    to_json(&c.create(&body::<R::Create>(b, required)?)?)
}

pub(crate) fn update<R: Resource>(c: Collection<'_, R>, id: &str, b: &[u8]) -> Result<ccx_bytes, ccx_error>
where
    R::Update: DeserializeOwned + Sized,
    R::Item: Serialize,
{
    to_json(&c.update(id, &body::<R::Update>(b, &[])?)?)
}

pub(crate) fn child_create<R: ChildResource>(
    c: ChildCollection<'_, R>,
    parent: &str,
    b: &[u8],
    required: &[&str],
) -> Result<ccx_bytes, ccx_error>
where
    R::Create: DeserializeOwned + Sized,
    R::Item: Serialize,
{
    to_json(&c.create(parent, &body::<R::Create>(b, required)?)?)
}

pub(crate) fn child_update<R: ChildResource>(
    c: ChildCollection<'_, R>,
    id: &str,
    b: &[u8],
) -> Result<ccx_bytes, ccx_error>
where
    R::Update: DeserializeOwned + Sized,
    R::Item: Serialize,
{
    to_json(&c.update(id, &body::<R::Update>(b, &[])?)?)
}

/// `(pointer, length)` → an optional filter id: empty means none.
///
/// # Safety
/// `ptr` is NULL or points to `len` bytes.
pub(crate) unsafe fn optional_id<'a>(ptr: *const c_char, len: usize, name: &str) -> Result<Option<&'a str>, ccx_error> {
    // SAFETY: caller contract.
    let s = unsafe { string(ptr, len, name)? };
    Ok((!s.is_empty()).then_some(s))
}

/// A required id as `(pointer, length)`.
///
/// # Safety
/// `ptr` is NULL or points to `len` bytes.
pub(crate) unsafe fn id<'a>(ptr: *const c_char, len: usize, name: &str) -> Result<&'a str, ccx_error> {
    // SAFETY: caller contract.
    unsafe { required_string(ptr, len, name) }
}

/// A JSON body as `(pointer, length)`.
///
/// # Safety
/// `ptr` is NULL or points to `len` bytes.
pub(crate) unsafe fn json_arg<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], ccx_error> {
    // SAFETY: caller contract.
    unsafe { bytes(ptr, len, "json") }
}

/// A JSON argument named `name` as `(pointer, length)`: `(NULL, 0)` is empty.
///
/// # Safety
/// `ptr` is NULL or points to `len` bytes.
pub(crate) unsafe fn bytes_arg<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], ccx_error> {
    // SAFETY: caller contract.
    unsafe { bytes(ptr, len, name) }
}

/// A function that needs no client and makes no request: its answer goes to `json_out`.
pub(crate) fn offline(json_out: *mut ccx_bytes, f: impl FnOnce() -> Result<ccx_bytes, ccx_error>) -> ccx_code {
    guard(std::ptr::null_mut(), || {
        // SAFETY: documented on the function: `json_out` is NULL or writable.
        let o = unsafe { out(json_out, "json_out")? };
        *o = f()?;
        Ok(())
    })
}

/// A call whose answer goes to `json_out`.
pub(crate) fn answer(
    client: *const ccx_client,
    opts: *const ccx_call_options,
    json_out: *mut ccx_bytes,
    err_out: *mut *mut ccx_error,
    f: impl FnOnce(&crate::Client) -> Result<ccx_bytes, ccx_error>,
) -> ccx_code {
    call(client, opts, err_out, |c| {
        // SAFETY: documented on every resource function: `json_out` is NULL or writable.
        let o = unsafe { out(json_out, "json_out")? };
        *o = f(c)?;
        Ok(())
    })
}

pub(crate) fn page_of(p: u32, size: u32) -> PageRequest {
    page(p, size)
}

#[cfg(test)]
mod tests {
    #[test]
    fn bodies_are_objects() {
        #[derive(serde::Deserialize, Debug, Default)]
        #[serde(default)]
        #[allow(dead_code)]
        struct Update {
            name: Option<String>,
        }
        for bad in [&b"[]"[..], b"[\"x\"]", b"1", b"\"x\""] {
            let e = super::body::<Update>(bad, &[]).expect_err("not an object");
            assert_eq!(e.code, super::ccx_code::InvalidJson);
        }
        assert!(super::body::<Update>(br#"{"name":"n"}"#, &[]).is_ok());
    }
}
