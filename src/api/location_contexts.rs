//! Location contexts (`/location-contexts`): where users may connect from.

use super::crud::{Collection, resource};
use super::macros::model;
use crate::client::Client;

model! {
    /// One address of an IP check.
    pub struct IpEntry {
        /// An IP address or CIDR.
        pub ip: String,
        /// Description.
        pub description: String,
    }
}

model! {
    /// Allow or deny by source IP.
    pub struct IpCheck {
        /// Whether the listed addresses are allowed.
        pub allowed: bool,
        /// The addresses.
        pub ips: Vec<IpEntry>,
    }
}

model! {
    /// Allow or deny by country.
    pub struct CountryCheck {
        /// Whether the listed countries are allowed.
        pub allowed: bool,
        /// ISO country codes, e.g. `DE`.
        pub countries: Vec<String>,
    }
}

model! {
    /// What applies when no other check matches.
    pub struct DefaultCheck {
        /// Whether such connections are allowed.
        pub allowed: bool,
    }
}

model! {
    /// A location context.
    pub struct LocationContext {
        /// Id (UUID).
        pub id: String,
        /// Name.
        pub name: String,
        /// Description.
        pub description: String,
        /// User groups it applies to (the API's spelling `userGroupsIds`).
        pub user_groups_ids: Vec<String>,
        /// IP check.
        pub ip_check: Option<IpCheck>,
        /// Country check.
        pub country_check: Option<CountryCheck>,
        /// Default check.
        pub default_check: Option<DefaultCheck>,
    }
}

model! {
    /// Body of a location context create or update; `name` is required.
    pub struct LocationContextRequest {
        /// Name (required).
        pub name: String,
        /// Description.
        pub description: Option<String>,
        /// User groups it applies to (always sent: on update they replace the old ones).
        pub user_groups_ids: Vec<String>,
        /// IP check.
        pub ip_check: Option<IpCheck>,
        /// Country check.
        pub country_check: Option<CountryCheck>,
        /// Default check.
        pub default_check: Option<DefaultCheck>,
    }
}

resource! {
    /// Marker of the location contexts family.
    LocationContextResource: item LocationContext, create LocationContextRequest, update LocationContextRequest,
    path "/location-contexts", ops ["get", "get_1", "create", "update", "delete"]
}

/// Location contexts service: see [`Collection`]. Create and delete answer 200.
pub type LocationContexts<'a> = Collection<'a, LocationContextResource>;

impl Client {
    /// Location contexts (`/location-contexts`).
    pub fn location_contexts(&self) -> LocationContexts<'_> {
        Collection::new(self)
    }
}
