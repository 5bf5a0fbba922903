//! The circuit breaker: closed, open (calls fail at once with `CircuitOpen`),
//! half-open (a few probe calls decide). One breaker per host, or per host and
//! operation. Only server trouble counts as failure: 5xx, timeouts, connection
//! errors, and 429 only if asked.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::Acquire, Ordering::Relaxed, Ordering::Release};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use parking_lot::Mutex;

use super::clock::Clock;
use crate::error::{Error, ErrorKind};

/// Breaker settings. Defaults are the reference design's: open after 10 failures,
/// try again after 300 s.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakerConfig {
    /// Consecutive failures that open the circuit. Default 10.
    pub failure_threshold: u32,
    /// Time open before probing. Default 300 s.
    pub recovery_timeout: Duration,
    /// Probe calls let through while half-open. Default 1.
    pub half_open_max_calls: u32,
    /// Successful probes that close the circuit. Default 1.
    pub success_threshold: u32,
    /// Count 429 answers as failures (a storm of them opens the circuit). Default off.
    pub count_429: bool,
    /// One breaker per host and operation instead of per host. Default off.
    pub per_operation: bool,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            failure_threshold: 10,
            recovery_timeout: Duration::from_secs(300),
            half_open_max_calls: 1,
            success_threshold: 1,
            count_429: false,
            per_operation: false,
        }
    }
}

/// The state of one breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls pass; failures are counted.
    Closed,
    /// Calls are refused with `CircuitOpen` until the recovery time has passed.
    Open,
    /// A few probe calls pass; their outcome closes or reopens the breaker.
    HalfOpen,
}

#[derive(Debug)]
enum State {
    /// Consecutive failures are counted in [`Slot::failures`], without the lock.
    Closed,
    Open {
        until: u64,
    },
    /// `period` tells this half-open spell from earlier ones, so a probe that outlived its
    /// spell (the circuit reopened meanwhile) cannot count in a later one.
    HalfOpen {
        in_flight: u32,
        successes: u32,
        period: u64,
    },
}

/// How a call ended, as the breaker sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The server answered below 500 (a 429 counts as a failure when `count_429` is set).
    Success,
    /// A 5xx, a connect, DNS, timeout or I/O error, or a 429 with `count_429`.
    Failure,
    /// Neither (4xx, cancelled, local refusals): changes nothing.
    Ignored,
}

/// A state change, for metrics and logs.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The breaker's scope: the host, or host and operation with `per_operation`.
    pub key: String,
    /// State before the change.
    pub from: BreakerState,
    /// State after the change.
    pub to: BreakerState,
}

type Listener = Box<dyn Fn(&Transition) + Send + Sync>;

/// All breakers of a client.
pub struct Breakers {
    cfg: BreakerConfig,
    clock: Arc<dyn Clock>,
    map: Mutex<HashMap<String, Arc<Slot>>>,
    /// The first per-host breaker, found without the map's lock (a client has one host).
    first: OnceLock<Arc<Slot>>,
    listener: Option<Listener>,
    /// Half-open spells started so far (all breakers), numbering them.
    periods: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Breakers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Breakers")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

/// One breaker: its scope and its state. While closed (nearly always), a call takes no
/// lock: `closed` and `failures` are read and written atomically, and the lock is taken
/// only to change state.
#[derive(Debug)]
struct Slot {
    key: String,
    state: Mutex<State>,
    /// `state` is `Closed` (written under the lock, read without it).
    closed: AtomicBool,
    /// Consecutive failures while closed.
    failures: AtomicU32,
}

/// A breaker, borrowed from [`Breakers`] when it is the client's host (no reference
/// count to touch on every call), else shared.
#[derive(Debug)]
enum SlotRef<'a> {
    Borrowed(&'a Slot),
    Shared(Arc<Slot>),
}

impl std::ops::Deref for SlotRef<'_> {
    type Target = Slot;
    fn deref(&self) -> &Slot {
        match self {
            SlotRef::Borrowed(s) => s,
            SlotRef::Shared(s) => s,
        }
    }
}

impl SlotRef<'_> {
    fn share(&self) -> Self {
        match self {
            SlotRef::Borrowed(s) => SlotRef::Borrowed(s),
            SlotRef::Shared(s) => SlotRef::Shared(s.clone()),
        }
    }
}

/// Permission to make one call; hand it back to [`Breakers::record`].
#[derive(Debug)]
pub struct Ticket<'a> {
    slot: SlotRef<'a>,
    /// The half-open spell this probe belongs to; `None` for a call made while closed.
    probe: Option<u64>,
}

fn public(s: &State) -> BreakerState {
    match s {
        State::Closed => BreakerState::Closed,
        State::Open { .. } => BreakerState::Open,
        State::HalfOpen { .. } => BreakerState::HalfOpen,
    }
}

impl Breakers {
    /// Breakers with these settings, timed by `clock`; `listener` hears every state change (it must be quick and must not call the breakers).
    pub fn new(cfg: BreakerConfig, clock: Arc<dyn Clock>, listener: Option<Listener>) -> Breakers {
        Breakers {
            cfg,
            clock,
            map: Mutex::new(HashMap::new()),
            first: OnceLock::new(),
            listener,
            periods: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Classify an outcome for the breaker.
    pub fn outcome(&self, result: &Result<u16, Error>) -> Outcome {
        match result {
            Ok(429) if self.cfg.count_429 => Outcome::Failure,
            Ok(s) if *s < 500 => Outcome::Success,
            Ok(_) => Outcome::Failure,
            Err(e) => match e.kind() {
                ErrorKind::Http { status: 429, .. } if self.cfg.count_429 => Outcome::Failure,
                ErrorKind::Http { status, .. } if *status >= 500 => Outcome::Failure,
                ErrorKind::Http { .. } => Outcome::Success,
                // the caller's own deadline ran out before its request was sent (waiting
                // for a token or the limiter): nothing the server did
                ErrorKind::Timeout(crate::TimeoutPhase::Call) if e.never_sent() => Outcome::Ignored,
                ErrorKind::Connect | ErrorKind::Timeout(_) | ErrorKind::Io | ErrorKind::Dns => Outcome::Failure,
                ErrorKind::Auth { status } if *status >= 500 => Outcome::Failure,
                _ => Outcome::Ignored,
            },
        }
    }

    fn key(&self, host: &str, op: &str) -> String {
        if self.cfg.per_operation {
            format!("{host} {op}")
        } else {
            host.to_string()
        }
    }

    /// The breaker of `host` (and `op` when per operation), made on first use. Per host,
    /// the lookup allocates nothing (this runs on every call).
    fn slot(&self, host: &str, op: &str) -> SlotRef<'_> {
        if !self.cfg.per_operation
            && let Some(slot) = self.first.get().filter(|s| s.key == host)
        {
            return SlotRef::Borrowed(slot);
        }
        let mut map = self.map.lock();
        if !self.cfg.per_operation
            && let Some(slot) = map.get(host)
        {
            return SlotRef::Shared(slot.clone());
        }
        let key = self.key(host, op);
        let slot = map
            .entry(key.clone())
            .or_insert_with(|| {
                Arc::new(Slot {
                    key,
                    state: Mutex::new(State::Closed),
                    closed: AtomicBool::new(true),
                    failures: AtomicU32::new(0),
                })
            })
            .clone();
        if !self.cfg.per_operation {
            let _ = self.first.set(slot.clone());
        }
        SlotRef::Shared(slot)
    }

    fn notify(&self, key: &str, from: BreakerState, to: BreakerState) {
        if from != to
            && let Some(l) = &self.listener
        {
            l(&Transition {
                key: key.to_string(),
                from,
                to,
            });
        }
    }

    /// May a call to `host` (operation `op`) go ahead? `CircuitOpen` with the time left if not.
    pub fn allow(&self, host: &str, op: &str) -> Result<Ticket<'_>, Error> {
        let slot = self.slot(host, op);
        if slot.closed.load(Acquire) {
            return Ok(Ticket { slot, probe: None });
        }
        let key = slot.key.as_str();
        let now = self.clock.now_nanos();
        let mut s = slot.state.lock();
        let before = public(&s);
        if let State::Open { until } = *s {
            if now < until {
                let left = Duration::from_nanos(until - now);
                return Err(Error::new(ErrorKind::CircuitOpen, format!("circuit for {key} is open"))
                    .with_retry_after(Some(left)));
            }
            *s = State::HalfOpen {
                in_flight: 0,
                successes: 0,
                period: self.periods.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            };
        }
        let ticket = match &mut *s {
            State::HalfOpen { in_flight, period, .. } => {
                if *in_flight >= self.cfg.half_open_max_calls.max(1) {
                    return Err(Error::new(
                        ErrorKind::CircuitOpen,
                        format!("circuit for {key} is half-open; probe in flight"),
                    )
                    .with_retry_after(Some(Duration::from_millis(100))));
                }
                *in_flight += 1;
                Ticket {
                    slot: slot.share(),
                    probe: Some(*period),
                }
            }
            _ => Ticket {
                slot: slot.share(),
                probe: None,
            },
        };
        let after = public(&s);
        drop(s);
        self.notify(key, before, after);
        Ok(ticket)
    }

    /// Report how a permitted call ended.
    pub fn record(&self, ticket: Ticket<'_>, outcome: Outcome) {
        let slot = &ticket.slot;
        let open_until = || self.clock.now_nanos() + self.cfg.recovery_timeout.as_nanos() as u64;
        if ticket.probe.is_none() {
            // a call made while closed: counted without the lock unless it opens the circuit
            match outcome {
                Outcome::Ignored => {}
                Outcome::Success => {
                    if slot.failures.load(Relaxed) != 0 {
                        slot.failures.store(0, Relaxed);
                    }
                }
                // a late answer from before the circuit opened changes nothing
                Outcome::Failure if !slot.closed.load(Acquire) => {}
                Outcome::Failure => {
                    if slot.failures.fetch_add(1, Relaxed) + 1 >= self.cfg.failure_threshold.max(1) {
                        let mut s = slot.state.lock();
                        if matches!(*s, State::Closed) {
                            *s = State::Open { until: open_until() };
                            slot.closed.store(false, Release);
                            slot.failures.store(0, Relaxed);
                            drop(s);
                            self.notify(&slot.key, BreakerState::Closed, BreakerState::Open);
                        }
                    }
                }
            }
            return;
        }
        let mut s = slot.state.lock();
        let before = public(&s);
        match (&mut *s, outcome) {
            (
                State::HalfOpen {
                    in_flight,
                    successes,
                    period,
                },
                o,
            ) if ticket.probe == Some(*period) => {
                *in_flight = in_flight.saturating_sub(1);
                match o {
                    Outcome::Failure => *s = State::Open { until: open_until() },
                    Outcome::Success => {
                        *successes += 1;
                        if *successes >= self.cfg.success_threshold.max(1) {
                            *s = State::Closed;
                            slot.failures.store(0, Relaxed);
                            slot.closed.store(true, Release);
                        }
                    }
                    Outcome::Ignored => {}
                }
            }
            _ => {}
        }
        let after = public(&s);
        drop(s);
        self.notify(&slot.key, before, after);
    }

    /// `(scope, state)` of every breaker made so far.
    pub fn states(&self) -> Vec<(String, BreakerState)> {
        let mut v: Vec<(String, BreakerState)> = self
            .map
            .lock()
            .iter()
            .map(|(k, b)| (k.clone(), public(&b.state.lock())))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// The state of the breaker for `host` (and `op` when per operation).
    pub fn state(&self, host: &str, op: &str) -> BreakerState {
        let key = self.key(host, op);
        match self.map.lock().get(&key) {
            Some(b) => public(&b.state.lock()),
            None => BreakerState::Closed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::clock::ManualClock;

    type Seen = Arc<Mutex<Vec<(BreakerState, BreakerState)>>>;

    fn setup() -> (Arc<ManualClock>, Breakers, Seen) {
        let clock = ManualClock::new();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let cfg = BreakerConfig {
            failure_threshold: 3,
            recovery_timeout: Duration::from_secs(10),
            ..BreakerConfig::default()
        };
        let b = Breakers::new(
            cfg,
            clock.clone(),
            Some(Box::new(move |t: &Transition| s2.lock().push((t.from, t.to)))),
        );
        (clock, b, seen)
    }

    #[test]
    fn full_cycle() {
        let (clock, b, seen) = setup();
        for _ in 0..3 {
            let t = b.allow("h", "op").unwrap();
            b.record(t, Outcome::Failure);
        }
        assert_eq!(b.state("h", "op"), BreakerState::Open);
        let e = b.allow("h", "op").unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::CircuitOpen);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(10)));
        clock.advance(Duration::from_secs(10));
        let probe = b.allow("h", "op").unwrap();
        assert_eq!(b.state("h", "op"), BreakerState::HalfOpen);
        assert!(b.allow("h", "op").is_err(), "only one probe at a time");
        b.record(probe, Outcome::Failure);
        assert_eq!(b.state("h", "op"), BreakerState::Open);
        clock.advance(Duration::from_secs(10));
        let probe = b.allow("h", "op").unwrap();
        b.record(probe, Outcome::Success);
        assert_eq!(b.state("h", "op"), BreakerState::Closed);
        use BreakerState::*;
        assert_eq!(
            *seen.lock(),
            vec![
                (Closed, Open),
                (Open, HalfOpen),
                (HalfOpen, Open),
                (Open, HalfOpen),
                (HalfOpen, Closed)
            ]
        );
    }

    #[test]
    fn successes_reset_the_count_and_4xx_is_not_a_failure() {
        let (_c, b, _) = setup();
        for i in 0..10 {
            let t = b.allow("h", "op").unwrap();
            b.record(t, if i % 2 == 0 { Outcome::Failure } else { Outcome::Success });
        }
        assert_eq!(b.state("h", "op"), BreakerState::Closed);
        let http = |s| {
            Err(Error::new(
                ErrorKind::Http {
                    status: s,
                    body: None,
                    raw: String::new(),
                },
                "",
            ))
        };
        assert_eq!(b.outcome(&http(404)), Outcome::Success);
        assert_eq!(b.outcome(&http(429)), Outcome::Success);
        assert_eq!(b.outcome(&http(503)), Outcome::Failure);
        assert_eq!(b.outcome(&Err(Error::new(ErrorKind::Connect, ""))), Outcome::Failure);
        assert_eq!(b.outcome(&Err(Error::invalid(""))), Outcome::Ignored);
        let call = || Error::new(ErrorKind::Timeout(crate::TimeoutPhase::Call), "");
        assert_eq!(
            b.outcome(&Err(call())),
            Outcome::Failure,
            "a deadline with the request out"
        );
        assert_eq!(
            b.outcome(&Err(call().before_sending())),
            Outcome::Ignored,
            "the caller's deadline before anything was sent"
        );
        assert_eq!(b.outcome(&Ok(503)), Outcome::Failure, "a 5xx response is a failure");
        assert_eq!(b.outcome(&Ok(200)), Outcome::Success);
        assert_eq!(b.outcome(&Ok(429)), Outcome::Success, "429 only counts with count_429");
    }

    #[test]
    fn scopes_are_separate() {
        let (_c, b, _) = setup();
        for _ in 0..3 {
            let t = b.allow("a", "op").unwrap();
            b.record(t, Outcome::Failure);
        }
        assert!(b.allow("a", "x").is_err());
        assert!(b.allow("b", "op").is_ok());
    }
}
