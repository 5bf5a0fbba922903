//! `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, as the client reads it
//! from a 429/503 answer, and everything that consumes the result: the error built from
//! the response (message, C ABI milliseconds), the retry backoff and the limiter pause.
#![no_main]

use std::time::{Duration, SystemTime};

use cloudconnexa::fuzzing;
use cloudconnexa::resilience::{Bucket, LimitMode, ManualClock, RateLimit, RetryPolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data);
    let parsed = fuzzing::retry_after(&value);

    // delay-seconds are taken as they are
    let trimmed = value.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = trimmed.parse::<u64>() {
            assert_eq!(parsed, Some(Duration::from_secs(n)), "{value:?}");
        }
    }
    // a date is at most 9999-12-31 away (httpdate's range)
    if let Some(d) = parsed {
        if trimmed.parse::<u64>().is_err() {
            let limit = SystemTime::UNIX_EPOCH + Duration::from_secs(253_402_300_800);
            let max = limit.duration_since(SystemTime::now()).unwrap_or_default();
            assert!(d <= max + Duration::from_secs(1), "{value:?} -> {d:?}");
        }
    }

    // the error of a 429 carrying this header
    let headers = vec![("retry-after".to_string(), value.to_string())];
    let err = fuzzing::http_error("getNetworks", 429, &headers, b"");
    let ra = err.retry_after();
    assert_eq!(ra.is_some(), parsed.is_some());
    if let (Some(a), Some(b)) = (ra, parsed) {
        // a date is relative to now: the two reads may be a moment apart
        assert!(b.saturating_sub(a) <= Duration::from_secs(2) && a.saturating_sub(b) <= Duration::from_secs(2));
    }
    let _ = err.to_string();
    let c = cloudconnexa::fuzzing::ffi::error::ccx_error::from(err);
    let mut ms = 0u64;
    assert_eq!(
        unsafe { cloudconnexa::fuzzing::ffi::error::ccx_error_retry_after_ms(&c, &mut ms) },
        cloudconnexa::fuzzing::ffi::code::ccx_code::Ok
    );
    if let Some(a) = ra {
        assert_eq!(ms as u128, a.as_millis().min(u64::MAX as u128));
    }

    // the backoff honours it within its cap
    let policy = RetryPolicy::default();
    for retry in [1, 2, 5, 40, u32::MAX] {
        let wait = policy.backoff(retry, ra);
        assert!(wait <= policy.backoff_max, "retry {retry}: {wait:?}");
        if let Some(a) = ra {
            assert!(wait >= a.min(policy.backoff_max));
        }
    }

    // the limiter pauses for it: no token until it has passed
    let clock = ManualClock::new();
    clock.advance(Duration::from_secs(1000));
    let bucket = Bucket::new(
        &RateLimit {
            rate_per_sec: 10.0,
            burst: 5,
            mode: LimitMode::FailFast,
        },
        clock.clone(),
    );
    // without Retry-After the pipeline derives a pause; 100 ms stands in for it here
    let pause = ra.unwrap_or(Duration::from_millis(100));
    bucket.pause(pause);
    match bucket.reserve(None) {
        Ok(w) => assert!(pause.is_zero() && w.is_zero(), "a token during a pause of {pause:?}"),
        Err(e) => {
            let left = e.retry_after().expect("a refusal says how long");
            // (a pause of centuries saturates the nanosecond clock; any such wait is fine)
            let want = pause.min(Duration::from_secs(100 * 365 * 86_400));
            assert!(left >= want, "{left:?} < {pause:?}");
        }
    }
});
