//! Unit tests of the boundary helpers and the plain C types, written to run under Miri
//! (`make miri`): no sockets, no threads, no clock; every pointer the code reads or frees
//! is checked for provenance, alignment, use after free and leaks.

use std::ffi::c_char;
use std::ptr;

use super::boundary::{bytes, guard, json, required_string, string};
use super::code::ccx_code;
use super::config::{
    ccx_client_config, ccx_client_config_free, ccx_client_config_new, ccx_client_config_set_api_url,
    ccx_client_config_set_client_secret,
};
use super::error::{
    ccx_error, ccx_error_body, ccx_error_code, ccx_error_free, ccx_error_http_status, ccx_error_message,
    ccx_error_retry_after_ms,
};
use super::types::{ccx_bytes, ccx_bytes_free, ccx_str};

/// The bytes a `ccx_str` borrows.
fn text(s: ccx_str) -> String {
    if s.len == 0 {
        return String::new();
    }
    // SAFETY: the library hands out (data, len) of a live string.
    let b = unsafe { std::slice::from_raw_parts(s.data.cast::<u8>(), s.len) };
    String::from_utf8(b.to_vec()).unwrap()
}

#[test]
fn guard_writes_the_error_only_when_asked_and_it_is_freed_once() {
    assert_eq!(guard(ptr::null_mut(), || Ok(())), ccx_code::Ok);
    assert_eq!(
        guard(ptr::null_mut(), || Err(ccx_error::invalid("no slot"))),
        ccx_code::InvalidParameter
    );

    let mut err: *mut ccx_error = ptr::null_mut();
    assert_eq!(guard(&mut err, || Ok(())), ccx_code::Ok);
    assert!(err.is_null(), "success leaves the slot alone");

    let code = guard(&mut err, || Err(ccx_error::null("client")));
    assert_eq!(code, ccx_code::NullParameter);
    assert!(!err.is_null());
    let mut c = ccx_code::Ok;
    let mut msg = ccx_str {
        data: ptr::null(),
        len: 0,
    };
    let mut status = 7u16;
    let mut after = 7u64;
    let mut body = ccx_str {
        data: ptr::null(),
        len: 9,
    };
    // SAFETY: err is live; the out pointers are writable locals.
    unsafe {
        assert_eq!(ccx_error_code(err, &mut c), ccx_code::Ok);
        assert_eq!(ccx_error_message(err, &mut msg), ccx_code::Ok);
        assert_eq!(ccx_error_http_status(err, &mut status), ccx_code::Ok);
        assert_eq!(ccx_error_retry_after_ms(err, &mut after), ccx_code::Ok);
        assert_eq!(ccx_error_body(err, &mut body), ccx_code::Ok);
        // NULL arguments are codes, not crashes
        assert_eq!(ccx_error_code(ptr::null(), &mut c), ccx_code::NullParameter);
        assert_eq!(ccx_error_code(err, ptr::null_mut()), ccx_code::NullParameter);
    }
    assert_eq!(c, ccx_code::NullParameter);
    assert_eq!(text(msg), "argument `client` is NULL");
    assert_eq!((status, after, body.len), (0, 0, 0));
    // SAFETY: err came from guard and is freed once; NULL is accepted.
    unsafe {
        ccx_error_free(err);
        ccx_error_free(ptr::null_mut());
    }
}

#[test]
fn a_panic_becomes_a_code_and_a_message() {
    let mut err: *mut ccx_error = ptr::null_mut();
    let code = guard(&mut err, || panic!("boom {}", 42));
    assert_eq!(code, ccx_code::Panic);
    let mut msg = ccx_str {
        data: ptr::null(),
        len: 0,
    };
    // SAFETY: err is live until freed below.
    unsafe {
        ccx_error_message(err, &mut msg);
        assert!(text(msg).contains("boom 42"), "{}", text(msg));
        ccx_error_free(err);
    }
    let code = guard(ptr::null_mut(), || std::panic::panic_any(17u8));
    assert_eq!(code, ccx_code::Panic, "a panic with a non-string payload");
}

#[test]
fn byte_and_string_arguments() {
    let name = "x";
    // SAFETY: every (ptr, len) below is NULL with 0, or a live buffer of that length.
    unsafe {
        assert_eq!(bytes(ptr::null(), 0, name).unwrap(), b"");
        assert_eq!(bytes(ptr::null(), 3, name).err().unwrap().code, ccx_code::NullParameter);
        let data = b"abc";
        assert_eq!(bytes(data.as_ptr(), 2, name).unwrap(), b"ab");
        // an absurd length is refused before anything is read
        let huge = super::boundary::MAX_INPUT + 1;
        assert_eq!(
            bytes(data.as_ptr(), huge, name).err().unwrap().code,
            ccx_code::InvalidParameter
        );

        let s = "héllo";
        assert_eq!(string(s.as_ptr().cast(), s.len(), name).unwrap(), "héllo");
        // cut inside the two-byte 'é'
        assert_eq!(
            string(s.as_ptr().cast(), 2, name).err().unwrap().code,
            ccx_code::InvalidUtf8
        );
        assert_eq!(
            required_string(ptr::null(), 0, name).err().unwrap().code,
            ccx_code::InvalidParameter
        );
        assert_eq!(required_string(s.as_ptr().cast(), 1, name).unwrap(), "h");
    }
}

#[test]
fn json_errors_name_the_field() {
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        name: String,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Outer {
        items: Vec<Inner>,
    }
    let e = json::<Outer>(br#"{"items":[{"name":"a"},{"name":5}]}"#, "body").unwrap_err();
    assert_eq!(e.code, ccx_code::InvalidJson);
    assert!(e.message.contains("items[1].name"), "{}", e.message);
    let e = json::<Outer>(b"{", "body").unwrap_err();
    assert_eq!(e.code, ccx_code::InvalidJson);
    assert!(json::<Outer>(br#"{"items":[]}"#, "body").is_ok());
}

#[test]
fn owned_buffers_free_once_and_zero_themselves() {
    let mut b = ccx_bytes::from_vec(b"{\"a\":1}".to_vec());
    assert_eq!(b.len, 7);
    // SAFETY: b was filled by from_vec; freeing twice is documented as harmless.
    unsafe {
        ccx_bytes_free(&mut b);
        assert!(b.data.is_null() && b.len == 0);
        ccx_bytes_free(&mut b);
        ccx_bytes_free(ptr::null_mut());
    }
    let mut empty = ccx_bytes::from_vec(Vec::new());
    assert!(empty.data.is_null());
    // SAFETY: the empty buffer is {NULL, 0}.
    unsafe { ccx_bytes_free(&mut empty) };
}

#[test]
fn a_config_is_created_edited_and_freed() {
    let mut cfg: *mut ccx_client_config = ptr::null_mut();
    let url = "https://acme.api.openvpn.com";
    let secret = "s3cr3t";
    let bad = [0xffu8, 0xfe];
    // SAFETY: cfg is live from _new to _free; strings are (ptr, len) of live buffers.
    unsafe {
        assert_eq!(ccx_client_config_new(&mut cfg), ccx_code::Ok);
        assert_eq!(
            ccx_client_config_set_api_url(cfg, url.as_ptr().cast::<c_char>(), url.len()),
            ccx_code::Ok
        );
        assert_eq!(
            ccx_client_config_set_client_secret(cfg, secret.as_ptr().cast(), secret.len()),
            ccx_code::Ok
        );
        assert_eq!(
            ccx_client_config_set_api_url(cfg, bad.as_ptr().cast(), bad.len()),
            ccx_code::InvalidUtf8
        );
        assert_eq!(
            ccx_client_config_set_api_url(ptr::null_mut(), url.as_ptr().cast(), url.len()),
            ccx_code::NullParameter
        );
        assert_eq!(ccx_client_config_new(ptr::null_mut()), ccx_code::NullParameter);
        ccx_client_config_free(cfg);
        ccx_client_config_free(ptr::null_mut());
    }
}
