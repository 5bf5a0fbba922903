//! Fault rules: which requests they hit and what they do to them.

use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::rng::Rng;

fn star() -> String {
    "*".into()
}
fn one() -> f64 {
    1.0
}

/// One fault rule. JSON form: `{"kind":"status","status":503,"method":"GET","path":"/api/v1/networks*","probability":0.5,"after":0,"count":2}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// HTTP method to match (any when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Glob on the request path (no query); `*` matches any run of characters.
    #[serde(default = "star")]
    pub path: String,
    /// Chance that a matching request is hit, 0..=1.
    #[serde(default = "one")]
    pub probability: f64,
    /// Let this many matching requests through before the rule starts firing.
    #[serde(default)]
    pub after: u64,
    /// Fire at most this many times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// What to do.
    #[serde(flatten)]
    pub kind: FaultKind,
}

/// The effect of a fault rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Wait `ms` milliseconds, then answer normally.
    Latency { ms: u64 },
    /// Answer with this status (an `ErrorResponse` body, empty for 401 and 429).
    Status {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<String>,
    },
    /// 429 with an empty body.
    RateLimit {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<String>,
    },
    /// Reset the connection before any byte of the answer.
    ResetBefore,
    /// Send the headers and half the body, then reset.
    ResetMidBody,
    /// Hold the request without answering until the rules change (or the server stops);
    /// then it is decided again by the rules in force: answered normally when none
    /// applies, so replacing a stall with another rule hands held requests that fault.
    Stall,
    /// Expire the presented bearer token; the call gets 401.
    ExpireToken,
}

impl FaultKind {
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Latency { .. } => "latency",
            FaultKind::Status { .. } => "status",
            FaultKind::RateLimit { .. } => "rate_limit",
            FaultKind::ResetBefore => "reset_before",
            FaultKind::ResetMidBody => "reset_mid_body",
            FaultKind::Stall => "stall",
            FaultKind::ExpireToken => "expire_token",
        }
    }
}

impl FaultRule {
    /// Parse and check a rule from its JSON form.
    pub fn parse(json: &str) -> Result<FaultRule, String> {
        let rule: FaultRule = serde_json::from_str(json).map_err(|e| format!("invalid fault rule: {e}"))?;
        rule.check()?;
        Ok(rule)
    }

    /// Reject rules that cannot be carried out.
    pub fn check(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.probability) {
            return Err(format!("probability must be within 0..=1, got {}", self.probability));
        }
        if let FaultKind::Status { status, .. } = self.kind
            && !(400..=599).contains(&status)
        {
            return Err(format!("status must be within 400..=599, got {status}"));
        }
        if let FaultKind::Latency { ms } = self.kind
            && ms > 600_000
        {
            return Err("latency above 600000 ms".into());
        }
        Ok(())
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method)) && glob(&self.path, path)
    }
}

/// `*`-only glob match.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

struct Active {
    rule: FaultRule,
    seen: u64,
    fired: u64,
}

/// The live rule set, shared by every connection.
pub struct Faults {
    any: AtomicBool,
    inner: Mutex<(Vec<Active>, Rng)>,
}

/// What the matching rules ask of one request.
#[derive(Debug, Default)]
pub struct Decision {
    pub latency_ms: u64,
    pub action: Option<FaultKind>,
    pub fired: Vec<&'static str>,
}

impl Faults {
    pub fn new(rules: Vec<FaultRule>, seed: u64) -> Faults {
        let f = Faults {
            any: AtomicBool::new(false),
            inner: Mutex::new((Vec::new(), Rng::new(seed ^ 0xFA17))),
        };
        f.set(rules);
        f
    }

    pub fn set(&self, rules: Vec<FaultRule>) {
        let mut g = self.inner.lock();
        g.0 = rules
            .into_iter()
            .map(|rule| Active {
                rule,
                seen: 0,
                fired: 0,
            })
            .collect();
        self.any.store(!g.0.is_empty(), Ordering::Release);
    }

    pub fn add(&self, rule: FaultRule) {
        let mut g = self.inner.lock();
        g.0.push(Active {
            rule,
            seen: 0,
            fired: 0,
        });
        self.any.store(true, Ordering::Release);
    }

    pub fn rules(&self) -> Vec<FaultRule> {
        self.inner.lock().0.iter().map(|a| a.rule.clone()).collect()
    }

    /// Decide what happens to a request. Cheap when no rule is set.
    pub fn decide(&self, method: &str, path: &str) -> Decision {
        let mut d = Decision::default();
        if !self.any.load(Ordering::Acquire) {
            return d;
        }
        let mut g = self.inner.lock();
        let (rules, rng) = &mut *g;
        for a in rules.iter_mut() {
            if !a.rule.matches(method, path) {
                continue;
            }
            let terminal = !matches!(a.rule.kind, FaultKind::Latency { .. });
            if terminal && d.action.is_some() {
                continue;
            }
            a.seen += 1;
            if a.seen <= a.rule.after || a.rule.count.is_some_and(|c| a.fired >= c) {
                continue;
            }
            if a.rule.probability < 1.0 && rng.unit() >= a.rule.probability {
                continue;
            }
            a.fired += 1;
            d.fired.push(a.rule.kind.name());
            match &a.rule.kind {
                FaultKind::Latency { ms } => d.latency_ms += ms,
                other => d.action = Some(other.clone()),
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches() {
        assert!(glob("*", "/api/v1/networks"));
        assert!(glob("/api/v1/networks*", "/api/v1/networks/x"));
        assert!(glob("/api/v1/networks", "/api/v1/networks"));
        assert!(!glob("/api/v1/networks", "/api/v1/networks/x"));
        assert!(glob("/api/*/hosts*", "/api/v1/hosts/connectors"));
        assert!(!glob("/api/v1/hosts*", "/api/v1/networks"));
        assert!(!glob("a*a", "a"));
    }

    #[test]
    fn count_and_after() {
        let f = Faults::new(
            vec![FaultRule::parse(r#"{"kind":"status","status":503,"after":1,"count":2}"#).unwrap()],
            1,
        );
        let hits: Vec<bool> = (0..5).map(|_| f.decide("GET", "/x").action.is_some()).collect();
        assert_eq!(hits, [false, true, true, false, false]);
    }

    #[test]
    fn latency_adds_up_first_terminal_wins() {
        let f = Faults::new(
            vec![
                FaultRule::parse(r#"{"kind":"latency","ms":5}"#).unwrap(),
                FaultRule::parse(r#"{"kind":"rate_limit"}"#).unwrap(),
                FaultRule::parse(r#"{"kind":"latency","ms":7}"#).unwrap(),
                FaultRule::parse(r#"{"kind":"stall"}"#).unwrap(),
            ],
            1,
        );
        let d = f.decide("GET", "/x");
        assert_eq!(d.latency_ms, 12);
        assert!(matches!(d.action, Some(FaultKind::RateLimit { .. })));
    }

    #[test]
    fn bad_rules_rejected() {
        assert!(FaultRule::parse(r#"{"kind":"status","status":200}"#).is_err());
        assert!(FaultRule::parse(r#"{"kind":"nope"}"#).is_err());
        assert!(FaultRule::parse(r#"{"kind":"stall","probability":2}"#).is_err());
    }
}
