//! OAuth2 client credentials: the token endpoint and bearer-token checks.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use parking_lot::Mutex;

use crate::rng::Rng;

struct Token {
    client_id: String,
    expires: Instant,
}

pub struct Auth {
    credentials: Mutex<HashMap<String, String>>,
    tokens: Mutex<HashMap<String, Token>>,
    rng: Mutex<Rng>,
}

/// Why a token request failed.
#[derive(Debug, PartialEq)]
pub enum TokenError {
    BadCredentials,
    UnsupportedGrant(String),
}

impl Auth {
    pub fn new(client_id: &str, secret: &str, seed: u64) -> Auth {
        let mut creds = HashMap::new();
        creds.insert(client_id.to_string(), secret.to_string());
        Auth {
            credentials: Mutex::new(creds),
            tokens: Mutex::new(HashMap::new()),
            rng: Mutex::new(Rng::new(seed ^ 0x70CE)),
        }
    }

    pub fn add_credentials(&self, id: &str, secret: &str) {
        self.credentials.lock().insert(id.to_string(), secret.to_string());
    }

    /// Check credentials and grant type, then mint a JWT-shaped token valid for `lifetime`.
    pub fn issue(
        &self,
        id: Option<&str>,
        secret: Option<&str>,
        grant: Option<&str>,
        lifetime: Duration,
        now: Instant,
    ) -> Result<String, TokenError> {
        if let Some(g) = grant.filter(|g| !g.is_empty() && *g != "client_credentials") {
            return Err(TokenError::UnsupportedGrant(g.to_string()));
        }
        let (Some(id), Some(secret)) = (id, secret) else {
            return Err(TokenError::BadCredentials);
        };
        if self.credentials.lock().get(id).map(String::as_str) != Some(secret) {
            return Err(TokenError::BadCredentials);
        }
        let (jti, sig) = {
            let mut r = self.rng.lock();
            (r.uuid(), r.hex(43))
        };
        let iat = crate::timefmt::now_unix();
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
        let claims = serde_json::json!({
            "sub": id, "client_id": id, "scope": ["read", "write"],
            "iat": iat, "exp": iat + lifetime.as_secs() as i64, "jti": jti,
        });
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let token = format!("{header}.{payload}.{sig}");
        let mut tokens = self.tokens.lock();
        tokens.retain(|_, t| t.expires > now);
        tokens.insert(
            token.clone(),
            Token {
                client_id: id.to_string(),
                expires: now + lifetime,
            },
        );
        Ok(token)
    }

    /// The API key behind a valid, unexpired bearer token.
    pub fn check(&self, authorization: Option<&str>, now: Instant) -> Option<String> {
        let token = bearer(authorization?)?;
        let tokens = self.tokens.lock();
        let t = tokens.get(token)?;
        (t.expires > now).then(|| t.client_id.clone())
    }

    /// The API key a bearer token names in its `client_id` claim, valid or not (an expired
    /// token still names its key), when that key exists: what a gateway keys its rate
    /// limiter on before the token is checked.
    pub fn claimed_key(&self, authorization: Option<&str>) -> Option<String> {
        let payload = bearer(authorization?)?.split('.').nth(1)?;
        let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        let id = claims.get("client_id")?.as_str()?;
        self.credentials.lock().contains_key(id).then(|| id.to_string())
    }

    /// Expire one token now (the `expire_token` fault).
    pub fn expire(&self, authorization: Option<&str>) {
        if let Some(token) = authorization.and_then(bearer) {
            self.tokens.lock().remove(token);
        }
    }

    /// Expire every issued token now; returns how many were live.
    pub fn expire_all(&self, now: Instant) -> usize {
        let mut tokens = self.tokens.lock();
        let n = tokens.values().filter(|t| t.expires > now).count();
        tokens.clear();
        n
    }
}

fn bearer(h: &str) -> Option<&str> {
    let (scheme, token) = h.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Decode `Authorization: Basic base64(id:secret)`.
pub fn basic(h: &str) -> Option<(String, String)> {
    let (scheme, b64) = h.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = STANDARD.decode(b64.trim()).ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (id, secret) = s.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_check_expire() {
        let a = Auth::new("id", "secret", 1);
        let now = Instant::now();
        assert_eq!(
            a.issue(Some("id"), Some("nope"), None, Duration::from_secs(5), now),
            Err(TokenError::BadCredentials)
        );
        assert!(matches!(
            a.issue(
                Some("id"),
                Some("secret"),
                Some("password"),
                Duration::from_secs(5),
                now
            ),
            Err(TokenError::UnsupportedGrant(_))
        ));
        let t = a
            .issue(
                Some("id"),
                Some("secret"),
                Some("client_credentials"),
                Duration::from_secs(5),
                now,
            )
            .unwrap();
        assert_eq!(t.split('.').count(), 3);
        let h = format!("Bearer {t}");
        assert_eq!(a.check(Some(&h), now).as_deref(), Some("id"));
        assert_eq!(a.check(Some(&h), now + Duration::from_secs(6)), None);
        assert_eq!(a.check(Some("Bearer x"), now), None);
        assert_eq!(a.check(None, now), None);
        a.expire(Some(&h));
        assert_eq!(a.check(Some(&h), now), None);
    }

    #[test]
    fn basic_decodes() {
        assert_eq!(basic("Basic aWQ6c2VjcmV0"), Some(("id".into(), "secret".into())));
        assert_eq!(basic("Basic !!!"), None);
        assert_eq!(basic("Bearer aWQ6c2VjcmV0"), None);
    }
}
