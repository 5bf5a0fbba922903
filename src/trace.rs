//! W3C trace context: every request carries a `traceparent` header. The trace id
//! comes from the caller when one is in scope ([`with_trace_context`]), else a new
//! one is made per call; every attempt gets its own span id.

use std::cell::Cell;

use crate::error::{Error, Result};
use crate::transport::{HeaderName, HeaderValue};

/// The W3C trace context header.
pub(crate) const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// The `traceparent` value of the attempt sent as span `span`.
pub(crate) fn traceparent(ctx: &TraceContext, span: &[u8; 8]) -> Result<HeaderValue> {
    HeaderValue::try_from(ctx.header(span)).map_err(|_| Error::invalid("traceparent is not a valid header value"))
}

/// A trace id and the caller's span, as in a W3C `traceparent` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceContext {
    /// The trace id (never all zero).
    pub trace_id: [u8; 16],
    /// The caller's span (the parent of our attempts); all zero if unknown.
    pub parent_id: [u8; 8],
    /// The `sampled` flag, passed on to every attempt.
    pub sampled: bool,
}

/// Append `bytes` as lower-case hex (a table lookup per nibble: this runs on every request).
fn push_hex(s: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    push_hex(&mut s, bytes);
    s
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != N * 2 || !s.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)) {
        return None;
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    loop {
        for chunk in out.chunks_mut(8) {
            let r = crate::rng::random_u64();
            chunk.copy_from_slice(&r.to_le_bytes()[..chunk.len()]);
        }
        if out.iter().any(|b| *b != 0) {
            return out;
        }
    }
}

impl TraceContext {
    /// Parse a `traceparent` header (`00-<32 hex>-<16 hex>-<2 hex>`, lower case). All-zero
    /// ids, version `ff` and malformed values give `None`.
    pub fn parse(traceparent: &str) -> Option<TraceContext> {
        let mut parts = traceparent.trim().split('-');
        let (v, t, p, f) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let version = unhex::<1>(v)?[0];
        if version == 0xff || (version == 0 && parts.next().is_some()) {
            return None;
        }
        let trace_id = unhex::<16>(t)?;
        let parent_id = unhex::<8>(p)?;
        let flags = unhex::<1>(f)?[0];
        if trace_id == [0; 16] || parent_id == [0; 8] {
            return None;
        }
        Some(TraceContext {
            trace_id,
            parent_id,
            sampled: flags & 1 == 1,
        })
    }

    /// A new random trace (sampled).
    pub fn new_random() -> TraceContext {
        TraceContext {
            trace_id: random_bytes(),
            parent_id: [0; 8],
            sampled: true,
        }
    }

    /// The trace id as 32 lower-case hex digits.
    pub fn trace_id_hex(&self) -> String {
        hex(&self.trace_id)
    }

    /// The `traceparent` value for a request sent as span `span_id`.
    pub fn header(&self, span_id: &[u8; 8]) -> String {
        let mut s = String::with_capacity(55);
        s.push_str("00-");
        push_hex(&mut s, &self.trace_id);
        s.push('-');
        push_hex(&mut s, span_id);
        s.push_str(if self.sampled { "-01" } else { "-00" });
        s
    }
}

/// A fresh span id for one attempt.
pub(crate) fn new_span_id() -> [u8; 8] {
    random_bytes()
}

pub(crate) fn span_hex(span: &[u8; 8]) -> String {
    hex(span)
}

thread_local! {
    static CURRENT: Cell<Option<TraceContext>> = const { Cell::new(None) };
}

/// Run `f` with `ctx` as the trace of every call it makes on this thread.
pub fn with_trace_context<R>(ctx: TraceContext, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<TraceContext>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(CURRENT.with(|c| c.replace(Some(ctx))));
    f()
}

/// The trace in scope on this thread, if any.
pub fn current_trace_context() -> Option<TraceContext> {
    CURRENT.with(Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_format() {
        let h = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let t = TraceContext::parse(h).unwrap();
        assert!(t.sampled);
        assert_eq!(t.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(t.header(&t.parent_id), h);
        for bad in [
            "",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-xyz-00f067aa0ba902b7-01",
        ] {
            assert!(TraceContext::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn scope_is_restored_and_spans_differ() {
        let t = TraceContext::new_random();
        assert_eq!(current_trace_context(), None);
        with_trace_context(t, || assert_eq!(current_trace_context(), Some(t)));
        assert_eq!(current_trace_context(), None);
        let spans: std::collections::HashSet<[u8; 8]> = (0..1000).map(|_| new_span_id()).collect();
        assert_eq!(spans.len(), 1000);
    }
}
