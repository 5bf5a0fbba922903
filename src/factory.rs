//! `ClientFactory`: one shared transport (pool, DNS cache) and a registry of
//! clients keyed by service name and overrides, as the reference design's
//! client factory does for microservices.

use std::collections::HashMap;
use std::time::Duration;

use parking_lot::Mutex;

use crate::client::Client;
use crate::config::ClientBuilder;
use crate::error::Result;
use crate::transport::Transport;

/// Per-service changes to the factory's base settings. Part of the registry key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ClientOverrides {
    /// API version path segment for this service's client; `None` keeps the factory's.
    pub api_version: Option<String>,
    /// Read timeout for this service's client; `None` keeps the factory's (default 30 s).
    pub read_timeout: Option<Duration>,
    /// Whole-call timeout, retries and waits included; `None` keeps the factory's (default 120 s).
    pub call_timeout: Option<Duration>,
    /// `User-Agent` header for this service's client; `None` keeps the factory's.
    pub user_agent: Option<String>,
}

/// Hands out clients that share one transport. Thread-safe.
pub struct ClientFactory {
    base: ClientBuilder,
    transport: Transport,
    clients: Mutex<HashMap<(String, ClientOverrides), Client>>,
}

impl std::fmt::Debug for ClientFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientFactory")
            .field("clients", &self.clients.lock().len())
            .finish_non_exhaustive()
    }
}

impl ClientFactory {
    /// A factory whose clients start from `base` and share one transport built from it.
    /// Fails if `base` does not validate.
    pub fn new(base: ClientBuilder) -> Result<ClientFactory> {
        base.clone().build()?;
        let transport = Transport::with_clock(base.transport_options(), base.clock_or_system())?;
        Ok(ClientFactory {
            base,
            transport,
            clients: Mutex::new(HashMap::new()),
        })
    }

    /// A factory configured from the `CLOUDCONNEXA_*` environment variables.
    pub fn from_env() -> Result<ClientFactory> {
        ClientFactory::new(ClientBuilder::from_env())
    }

    /// The client for `service` with `overrides`: created on first use, the same one after.
    pub fn get_client(&self, service: &str, overrides: &ClientOverrides) -> Result<Client> {
        let key = (service.to_string(), overrides.clone());
        let mut clients = self.clients.lock();
        if let Some(c) = clients.get(&key) {
            return Ok(c.clone());
        }
        let mut b = self.base.clone().transport(self.transport.clone());
        if let Some(v) = &overrides.api_version {
            b = b.api_version(v.clone());
        }
        if let Some(d) = overrides.read_timeout {
            b = b.read_timeout(d);
        }
        if let Some(d) = overrides.call_timeout {
            b = b.call_timeout(d);
        }
        if let Some(ua) = &overrides.user_agent {
            b = b.user_agent(ua.clone());
        }
        let client = b.build()?;
        clients.insert(key, client.clone());
        Ok(client)
    }

    /// The shared transport.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }
}
