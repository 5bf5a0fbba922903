//! DNS records (`/dns-records`): names Cloud Connexa's DNS resolves for users.

use super::crud::{Collection, resource};
use super::macros::model;
use crate::client::Client;

model! {
    /// A DNS record.
    pub struct DnsRecord {
        /// Id (UUID).
        pub id: String,
        /// The name, e.g. `db.corp.example`.
        pub domain: String,
        /// Description.
        pub description: String,
        /// IPv4 addresses (note the API's lowercase `v`).
        pub ipv4_addresses: Vec<String>,
        /// IPv6 addresses.
        pub ipv6_addresses: Vec<String>,
    }
}

model! {
    /// Body of a DNS record create or update; `domain` is required and every address
    /// must be an address of its family (400 naming `ipv4Addresses[i]` otherwise).
    /// The address lists are always sent: an empty list clears them on update.
    pub struct DnsRecordRequest {
        /// The name (required).
        pub domain: String,
        /// Description.
        pub description: Option<String>,
        /// IPv4 addresses.
        pub ipv4_addresses: Vec<String>,
        /// IPv6 addresses.
        pub ipv6_addresses: Vec<String>,
    }
}

resource! {
    /// Marker of the DNS records family.
    DnsRecordResource: item DnsRecord, create DnsRecordRequest, update DnsRecordRequest,
    path "/dns-records",
    ops ["getPageOfDnsRecords", "getDnsRecord", "createDnsRecord", "updateDnsRecord", "deleteDnsRecord"]
}

/// DNS records service: see [`Collection`]. Note the service's quirk: an unknown
/// record id is answered **400** ("not found" in the message), not 404.
pub type DnsRecords<'a> = Collection<'a, DnsRecordResource>;

impl Client {
    /// DNS records (`/dns-records`).
    pub fn dns_records(&self) -> DnsRecords<'_> {
        Collection::new(self)
    }
}
