//! The adaptive rate limiter: `X-RateLimit-Remaining`, `-Replenish-Rate`, `-Replenish-Time`
//! and `-Burst-Capacity` as the pipeline reads them from a response, fed to the client's
//! bucket between reservations, refunds, 429 pauses and clock steps.
//!
//! Input: a config byte, four header values separated by `\n` (`\x00` alone: header
//! absent), then operations, one byte each (plus arguments), repeated.
#![no_main]

mod common;

use std::time::Duration;

use cloudconnexa::fuzzing;
use cloudconnexa::resilience::{Bucket, LimitMode, ManualClock, RateLimit, ServerLimits, Slot};
use common::Input;
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 4] = [
    "x-ratelimit-remaining",
    "x-ratelimit-replenish-rate",
    "x-ratelimit-replenish-time",
    "x-ratelimit-burst-capacity",
];

fn number(v: Option<&str>) -> Option<u64> {
    v.and_then(|v| v.trim().parse::<u64>().ok())
}

fn headers(input: &mut Input) -> (Vec<(String, String)>, [Option<String>; 4]) {
    let mut list = Vec::new();
    let mut values: [Option<String>; 4] = Default::default();
    for (i, name) in NAMES.iter().enumerate() {
        let f = input.field(b'\n');
        if f == b"\x00" {
            continue;
        }
        let v = String::from_utf8_lossy(f).into_owned();
        list.push((name.to_string(), v.clone()));
        values[i] = Some(v);
    }
    (list, values)
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let cfg = input.u8();
    let (rate_per_sec, burst) = match cfg % 4 {
        0 => (1e6, 1_000_000), // the client's default: no limit until the server sends one
        1 => (1.0 / 15.0, 20), // the service's documented default
        2 => (10.0, 5),
        _ => (1e9, 1),
    };
    let mode = if cfg & 4 == 0 {
        LimitMode::FailFast
    } else {
        LimitMode::Wait {
            max_wait: Duration::from_secs(60),
        }
    };
    let limit = RateLimit {
        rate_per_sec,
        burst,
        mode,
    };
    let clock = ManualClock::new();
    clock.advance(Duration::from_secs(1_000_000));
    let bucket = Bucket::new(&limit, clock.clone());

    let (list, values) = headers(&mut input);
    let limits = fuzzing::server_limits(&list);
    // the parse: numbers as they are, zero rates, times and capacities ignored
    let [rem, rate, time, cap] = values.each_ref().map(|v| number(v.as_deref()));
    let positive = |n: Option<u64>| n.filter(|n| *n > 0);
    assert_eq!(
        limits,
        ServerLimits {
            remaining: rem,
            replenish_rate: positive(rate),
            replenish_time: positive(time).map(Duration::from_secs),
            burst_capacity: positive(cap),
        }
    );
    assert_eq!(limits.is_empty(), limits == ServerLimits::default());

    while !input.0.is_empty() {
        match input.u8() % 8 {
            0 => {
                // an answer (true) or a 429 (false), which spent no token
                bucket.observe(&limits, input.u8() & 1 == 0);
                // never more tokens than the server says are left
                if let Some(r) = limits.remaining {
                    assert!(bucket.available() <= r, "{} > remaining {r}", bucket.available());
                }
            }
            1 => match bucket.reserve(None) {
                Ok(w) => match mode {
                    LimitMode::FailFast => assert!(w.is_zero()),
                    LimitMode::Wait { max_wait } => assert!(w <= max_wait),
                },
                Err(e) => {
                    let after = e.retry_after().expect("refusals carry a retry-after");
                    assert!(!after.is_zero());
                    if let LimitMode::Wait { max_wait } = mode {
                        assert!(after > max_wait);
                    }
                }
            },
            2 => bucket.refund(),
            3 => clock.advance(Duration::from_millis(input.u32() as u64)),
            4 => {
                let secs = input.u32() as u64;
                bucket.pause(Duration::from_secs(secs));
                if secs > 0 {
                    assert_eq!(bucket.available(), 0, "tokens during a pause");
                }
            }
            5 => match bucket.reserve_within(None) {
                Ok(Slot::Booked(w)) => {
                    assert!(w <= bucket.emission_interval() || matches!(mode, LimitMode::FailFast));
                    if let LimitMode::Wait { max_wait } = mode {
                        assert!(w <= max_wait);
                    }
                }
                Ok(Slot::Recheck(d)) => assert!(!d.is_zero()),
                Err(e) => assert!(e.retry_after().is_some_and(|a| !a.is_zero())),
            },
            6 => bucket.note_spent(),
            _ => {
                let r = bucket.rate_per_sec();
                assert!(r.is_finite() && r > 0.0, "rate {r}");
            }
        }
    }
});
