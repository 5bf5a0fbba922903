//! Access visibility (`/access-visibility/…`, v1.2): the switch that records which
//! resources users reach.

use crate::client::Client;
use crate::error::Result;
use crate::request::Call;

/// Access visibility service (`client.access_visibility()`).
#[derive(Debug, Clone, Copy)]
pub struct AccessVisibility<'a> {
    client: &'a Client,
}

impl AccessVisibility<'_> {
    /// Whether access visibility is on (`GET /access-visibility/enabled`).
    pub fn enabled(&self) -> Result<bool> {
        self.client
            .call_json(Call::get("getAccessVisibilityEnabled", "/access-visibility/enabled"))
    }

    /// Turn it on (`PUT /access-visibility/enable`).
    pub fn enable(&self) -> Result<()> {
        self.client
            .call_unit(Call::put("enableAccessVisibility", "/access-visibility/enable"))
    }

    /// Turn it off (`PUT /access-visibility/disable`).
    pub fn disable(&self) -> Result<()> {
        self.client
            .call_unit(Call::put("disableAccessVisibility", "/access-visibility/disable"))
    }
}

impl Client {
    /// Access visibility (`/access-visibility/…`, v1.2).
    pub fn access_visibility(&self) -> AccessVisibility<'_> {
        AccessVisibility { client: self }
    }
}
