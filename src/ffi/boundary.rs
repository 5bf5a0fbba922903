//! The boundary every C call goes through: panics are caught and reported as
//! `CCX_CODE_PANIC`, NULL pointers and bad strings become error codes, and the
//! error object is written only when the caller asked for it.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::code::ccx_code;
use super::error::ccx_error;

/// Run `f`, turning its error or panic into a code (and an error object in `err_out`).
pub(crate) fn guard(err_out: *mut *mut ccx_error, f: impl FnOnce() -> Result<(), ccx_error>) -> ccx_code {
    let e = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => return ccx_code::Ok,
        Ok(Err(e)) => e,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            ccx_error::new(ccx_code::Panic, format!("internal panic (please report): {msg}"))
        }
    };
    let code = e.code;
    if !err_out.is_null() {
        // SAFETY: a non-NULL err_out is a writable `ccx_error *` slot (documented contract).
        unsafe { *err_out = Box::into_raw(Box::new(e)) };
    }
    code
}

/// A required input pointer.
///
/// # Safety
/// `p` is NULL or points to a live `T`.
pub(crate) unsafe fn arg<'a, T>(p: *const T, name: &str) -> Result<&'a T, ccx_error> {
    // SAFETY: caller contract.
    unsafe { p.as_ref() }.ok_or_else(|| ccx_error::null(name))
}

/// A required mutable pointer (config builders).
///
/// # Safety
/// `p` is NULL or points to a live `T` not used by another thread.
pub(crate) unsafe fn arg_mut<'a, T>(p: *mut T, name: &str) -> Result<&'a mut T, ccx_error> {
    // SAFETY: caller contract.
    unsafe { p.as_mut() }.ok_or_else(|| ccx_error::null(name))
}

/// A required output slot.
///
/// # Safety
/// `p` is NULL or writable.
pub(crate) unsafe fn out<'a, T>(p: *mut T, name: &str) -> Result<&'a mut T, ccx_error> {
    // SAFETY: caller contract.
    unsafe { p.as_mut() }.ok_or_else(|| ccx_error::null(name))
}

/// Largest string or JSON argument accepted (64 MiB).
pub(crate) const MAX_INPUT: usize = 64 << 20;

/// Bytes in: `(NULL, 0)` is empty; NULL with a length is `NULL_PARAMETER`.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], ccx_error> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(ccx_error::null(name));
    }
    if len > MAX_INPUT {
        return Err(ccx_error::invalid(format!(
            "argument `{name}` is {len} bytes; the limit is {MAX_INPUT}"
        )));
    }
    // SAFETY: caller contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A UTF-8 string in as (pointer, length).
///
/// # Safety
/// As [`bytes`].
pub(crate) unsafe fn string<'a>(ptr: *const std::ffi::c_char, len: usize, name: &str) -> Result<&'a str, ccx_error> {
    // SAFETY: caller contract.
    let b = unsafe { bytes(ptr.cast(), len, name)? };
    std::str::from_utf8(b).map_err(|e| {
        ccx_error::new(
            ccx_code::InvalidUtf8,
            format!("argument `{name}` is not valid UTF-8: {e}"),
        )
    })
}

/// A non-empty UTF-8 string (ids, URLs).
///
/// # Safety
/// As [`bytes`].
pub(crate) unsafe fn required_string<'a>(
    ptr: *const std::ffi::c_char,
    len: usize,
    name: &str,
) -> Result<&'a str, ccx_error> {
    // (NULL, 0) is the empty string, like everywhere else: empty, not missing
    // SAFETY: caller contract.
    let s = unsafe { string(ptr, len, name)? };
    if s.is_empty() {
        return Err(ccx_error::invalid(format!("argument `{name}` is empty")));
    }
    Ok(s)
}

/// Parse JSON input into a typed model; errors name the field path.
pub(crate) fn json<T: serde::de::DeserializeOwned>(b: &[u8], name: &str) -> Result<T, ccx_error> {
    Ok(super::convert::json(b, name)?)
}

/// Drop a boxed handle, never letting a panic out.
///
/// # Safety
/// `p` is non-NULL, came from `Box::into_raw` and is not used again.
pub(crate) unsafe fn free_box<T>(p: *mut T) {
    // SAFETY: caller contract.
    let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(p) })));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by `fuzz/fuzz_targets/ffi_json.rs`: a valid value followed by anything was
    /// taken as that value (`[][` as an empty request body).
    #[test]
    fn json_arguments_are_one_value() {
        assert_eq!(json::<Vec<u8>>(b" [1] \n", "json").ok(), Some(vec![1]));
        for bad in [b"[][" as &[u8], b"{} x", b"{\"name\":\"a\"}{}", b"1 2"] {
            let e = json::<serde_json::Value>(bad, "json").expect_err("refused");
            assert_eq!(e.code, ccx_code::InvalidJson);
            assert!(e.message.contains("trailing"), "{}", e.message);
        }
    }
}
