//! VPN regions (`/regions`): a plain list, not paged.

use super::macros::model;
use crate::client::Client;
use crate::error::Result;
use crate::request::Call;

model! {
    /// A VPN region.
    pub struct Region {
        /// Id, e.g. `us-east-1` or `it-mxp`.
        pub id: String,
        /// Continent.
        pub continent: String,
        /// Country.
        pub country: String,
        /// ISO country code.
        pub country_iso: String,
        /// Name of the place.
        pub region_name: String,
    }
}

/// Regions service (`client.regions()`).
#[derive(Debug, Clone, Copy)]
pub struct Regions<'a> {
    client: &'a Client,
}

impl Regions<'_> {
    /// Every region (`GET /regions`, one call; the answer is a bare array).
    pub fn list(&self) -> Result<Vec<Region>> {
        self.client.call_json(Call::get("getVpnRegions", "/regions"))
    }

    /// The region with id `id`, or `None` (the API has no single-region call:
    /// this fetches the list and scans it).
    pub fn get(&self, id: &str) -> Result<Option<Region>> {
        Ok(self.list()?.into_iter().find(|r| r.id == id))
    }
}

impl Client {
    /// VPN regions (`/regions`).
    pub fn regions(&self) -> Regions<'_> {
        Regions { client: self }
    }
}
