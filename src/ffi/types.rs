//! The plain C types: borrowed strings, owned byte buffers.

use std::ffi::c_char;

/// A borrowed UTF-8 string (not NUL-terminated): `len` bytes at `data`. Valid as long
/// as the object it came from; never freed by the caller.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct ccx_str {
    /// First byte of the string; may be NULL only when `len` is 0.
    pub data: *const c_char,
    /// Length in bytes (not characters), without any terminator.
    pub len: usize,
}

impl ccx_str {
    pub(crate) fn of(s: &str) -> ccx_str {
        ccx_str {
            data: s.as_ptr().cast(),
            len: s.len(),
        }
    }
}

/// An owned byte buffer filled by the library (JSON, text, Prometheus output). Not
/// NUL-terminated. Release it with `ccx_bytes_free`; `{NULL, 0}` is the empty buffer.
#[repr(C)]
#[derive(Debug)]
#[allow(non_camel_case_types)]
pub struct ccx_bytes {
    /// First byte, owned by the library until `ccx_bytes_free`; NULL when `len` is 0.
    pub data: *mut u8,
    /// Length in bytes.
    pub len: usize,
}

impl ccx_bytes {
    pub(crate) fn from_vec(v: Vec<u8>) -> ccx_bytes {
        if v.is_empty() {
            return ccx_bytes {
                data: std::ptr::null_mut(),
                len: 0,
            };
        }
        let b: Box<[u8]> = v.into_boxed_slice();
        let len = b.len();
        ccx_bytes {
            data: Box::into_raw(b).cast(),
            len,
        }
    }
}

/// Free a buffer the library filled and set it to `{NULL, 0}`, so freeing it twice is
/// harmless.
///
/// Parameters: `bytes` may be NULL (nothing happens); an empty buffer (`{NULL, 0}`, e.g.
/// zero-initialised) is accepted.
///
/// Ownership: the memory `bytes->data` pointed to is released; `*bytes` itself stays the
/// caller's (usually on the stack).
///
/// Thread safety: safe from any thread; no other thread may use the same `ccx_bytes`
/// meanwhile.
///
/// Returns: nothing.
///
/// # Safety
/// `bytes` is NULL or points to a `ccx_bytes` filled by this library (or zeroed).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_bytes_free(bytes: *mut ccx_bytes) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: caller contract above.
        let Some(b) = (unsafe { bytes.as_mut() }) else { return };
        if !b.data.is_null() && b.len > 0 {
            // SAFETY: data/len came from Box<[u8]>::into_raw in from_vec.
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(b.data, b.len)) });
        }
        b.data = std::ptr::null_mut();
        b.len = 0;
    }));
}
