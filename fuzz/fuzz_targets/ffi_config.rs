//! The C ABI's client configuration: every `ccx_client_config_set_*` setter with
//! arbitrary strings (URL, cloud_id, credentials, API version, user agent, proxy, PEM
//! CA and client certificate) and numbers, then `ccx_client_build`, which validates them
//! all. A client that builds is cloned and freed; none ever sends a request.
//!
//! Input: a flags word choosing which setters run, numbers for the numeric setters, then
//! the strings separated by `0xFF`.
#![no_main]

mod common;

use cloudconnexa::fuzzing::ffi::client::{ccx_client_build, ccx_client_clone, ccx_client_free};
use cloudconnexa::fuzzing::ffi::code::ccx_code;
use cloudconnexa::fuzzing::ffi::config::*;
use cloudconnexa::fuzzing::ffi::error::ccx_error_free;
use common::{Input, message};
use libfuzzer_sys::fuzz_target;

const SEP: u8 = 0xFF;

/// A setter's own outcome: it only records (strings are checked for UTF-8 and NULL).
fn set(code: ccx_code) {
    assert!(
        matches!(code, ccx_code::Ok | ccx_code::InvalidUtf8 | ccx_code::InvalidParameter),
        "setter: {code:?}"
    );
}

/// `ccx_client_config_set_rate_limit` and `_set_write_rate_limit`: (enabled, rate_per_sec,
/// burst, max_wait_ms, fail_fast).
type RateLimitSetter = unsafe extern "C" fn(*mut ccx_client_config, bool, f64, u32, u64, bool) -> ccx_code;

fn f64_of(bits: u64) -> f64 {
    f64::from_bits(bits)
}

fuzz_target!(|data: &[u8]| {
    let mut i = Input(data);
    let flags = i.u32();
    let mut cfg = std::ptr::null_mut();
    assert_eq!(unsafe { ccx_client_config_new(&mut cfg) }, ccx_code::Ok);
    let on = |bit: u32| flags & (1 << bit) != 0;
    unsafe {
        // the numbers first (fixed size), then the strings
        if on(0) {
            set(ccx_client_config_set_timeouts(cfg, i.u64(), i.u64(), i.u64()));
        }
        if on(1) {
            set(ccx_client_config_set_max_response_bytes(cfg, i.u64()));
            set(ccx_client_config_set_token_refresh_margin_ms(cfg, i.u64()));
        }
        if on(2) {
            set(ccx_client_config_set_pool(
                cfg,
                i.u64() as usize,
                i.u64() as usize,
                i.u64(),
            ));
        }
        if on(3) {
            set(ccx_client_config_set_max_connections_per_host(
                cfg,
                i.u64() as usize,
                i.u64(),
                i.bool(),
            ));
        }
        if on(4) {
            set(ccx_client_config_set_tcp_keepalive(
                cfg,
                i.bool(),
                i.u64(),
                i.u64(),
                i.u32(),
            ));
            set(ccx_client_config_set_tcp_nodelay(cfg, i.bool()));
        }
        if on(5) {
            set(ccx_client_config_set_dns_cache(cfg, i.u64(), i.bool()));
        }
        if on(6) {
            // 0 bundled, 2 only added CAs, 3+ invalid (1, the system bundle, reads files)
            let r = i.u8() as u32;
            set(ccx_client_config_set_tls_roots(cfg, if r == 1 { 0 } else { r }));
        }
        if on(7) {
            set(ccx_client_config_set_retry(
                cfg,
                i.u32(),
                i.u64(),
                i.u64(),
                i.bool(),
                i.bool(),
            ));
        }
        if on(8) {
            let n = (i.u8() % 8) as usize;
            let codes: Vec<u16> = (0..n).map(|_| i.u32() as u16).collect();
            set(ccx_client_config_set_retry_codes(cfg, codes.as_ptr(), codes.len()));
        }
        if on(9) {
            set(ccx_client_config_set_retry_budget(
                cfg,
                i.bool(),
                f64_of(i.u64()),
                i.u32(),
                i.u64(),
            ));
        }
        if on(10) {
            set(ccx_client_config_set_circuit_breaker(
                cfg,
                i.bool(),
                i.u32(),
                i.u64(),
                i.u32(),
                i.u32(),
                i.bool(),
                i.bool(),
            ));
        }
        // the limiter of every call, then the write limiter: the same arguments
        let limits: [(u32, RateLimitSetter); 2] = [
            (11, ccx_client_config_set_rate_limit),
            (12, ccx_client_config_set_write_rate_limit),
        ];
        for (bit, setter) in limits {
            if on(bit) {
                set(setter(cfg, i.bool(), f64_of(i.u64()), i.u32(), i.u64(), i.bool()));
            }
        }
        if on(13) {
            set(ccx_client_config_set_adaptive_rate_limit(cfg, i.bool()));
            set(ccx_client_config_set_coalesce_gets(cfg, i.bool()));
            set(ccx_client_config_set_stale_if_error(cfg, i.u64()));
        }
        set(ccx_client_config_set_allow_insecure_http(cfg, on(14)));

        let strings: [(
            u32,
            unsafe extern "C" fn(*mut ccx_client_config, *const std::ffi::c_char, usize) -> ccx_code,
        ); 7] = [
            (15, ccx_client_config_set_api_url),
            (16, ccx_client_config_set_cloud_id),
            (17, ccx_client_config_set_client_id),
            (18, ccx_client_config_set_client_secret),
            (19, ccx_client_config_set_api_version),
            (20, ccx_client_config_set_user_agent),
            (21, ccx_client_config_set_proxy),
        ];
        for (bit, setter) in strings {
            let s = i.field(SEP);
            if on(bit) {
                set(setter(cfg, s.as_ptr().cast(), s.len()));
            }
        }
        let pem = i.field(SEP);
        if on(22) {
            set(ccx_client_config_add_ca_pem(cfg, pem.as_ptr(), pem.len()));
        }
        let (chain, key) = (i.field(SEP), i.field(SEP));
        if on(23) {
            set(ccx_client_config_set_client_certificate(
                cfg,
                chain.as_ptr(),
                chain.len(),
                key.as_ptr(),
                key.len(),
            ));
        }

        let mut client = std::ptr::null_mut();
        let mut err = std::ptr::null_mut();
        let code = ccx_client_build(cfg, &mut client, &mut err);
        assert_ne!(code, ccx_code::Panic, "caught panic: {}", message(err));
        if code == ccx_code::Ok {
            assert!(err.is_null() && !client.is_null());
            let mut other = std::ptr::null_mut();
            assert_eq!(ccx_client_clone(client, &mut other), ccx_code::Ok);
            ccx_client_free(client);
            ccx_client_free(other);
        } else {
            assert!(client.is_null(), "client written on failure");
            assert!(!message(err).is_empty());
            assert!(
                matches!(code, ccx_code::InvalidParameter | ccx_code::Tls),
                "build: {code:?}: {}",
                message(err)
            );
            ccx_error_free(err);
        }
        ccx_client_config_free(cfg);
    }
});
