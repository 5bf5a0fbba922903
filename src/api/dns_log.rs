//! DNS log (`/dns-log/user-dns-resolutions/…`): the names users resolved,
//! aggregated per hour, and the switch that records them.

use super::dates::check_rfc3339;
use super::macros::model;
use super::page::{Page, PageRequest, Pager};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::Call;

/// Smallest page size of the DNS log.
pub const DNS_LOG_MIN_PAGE_SIZE: u32 = 10;
/// Largest page size of the DNS log (what [`DnsLog::iter`] uses).
pub const DNS_LOG_MAX_PAGE_SIZE: u32 = 10_000;

model! {
    /// Resolutions of one domain by one user within one hour.
    pub struct DnsResolution {
        /// Start of the hour, in **milliseconds** since the Unix epoch.
        pub time: i64,
        /// The domain.
        pub domain: String,
        /// The user, as `member@tenant`.
        pub member_id: String,
        /// Whether it is an internal (Cloud Connexa DNS) name.
        pub internal_domain: bool,
        /// Allowed lookups.
        pub allowed_count: i64,
        /// Blocked lookups.
        pub blocked_count: i64,
        /// Failed lookups.
        pub failed_count: i64,
    }
}

/// Which part of the DNS log to read.
///
/// `start_hour` is required: an RFC 3339 instant (rounded down to the hour by the
/// service, at most 30 days back). `hours_back` is 1 or 2 (default 1), `page` from
/// 0, `size` 10..=10000 (default 500). Bad values are `InvalidInput`, nothing sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsLogQuery {
    /// The hour to read, e.g. `2024-11-08T14:00:00Z`.
    pub start_hour: String,
    /// Hours to read backwards from `start_hour`: 1 or 2.
    pub hours_back: u32,
    /// Page number, from 0.
    pub page: u32,
    /// Entries per page, 10..=10000.
    pub size: u32,
}

impl DnsLogQuery {
    /// Page 0 (500 entries) of the hour `start_hour`, one hour back.
    pub fn new(start_hour: impl Into<String>) -> DnsLogQuery {
        DnsLogQuery {
            start_hour: start_hour.into(),
            hours_back: 1,
            page: 0,
            size: 500,
        }
    }

    fn to_call(&self, page: PageRequest) -> Result<Call> {
        check_rfc3339("startHour", &self.start_hour)?;
        if !(1..=2).contains(&self.hours_back) {
            return Err(Error::invalid(format!(
                "hoursBack must be 1 or 2, got {}",
                self.hours_back
            )));
        }
        let page = page.validate_within(DNS_LOG_MIN_PAGE_SIZE, DNS_LOG_MAX_PAGE_SIZE)?;
        Ok(Call::get("getUserDnsResolutions", "/dns-log/user-dns-resolutions/page")
            .query("startHour", &self.start_hour)
            .query("hoursBack", self.hours_back)
            .query("page", page.page)
            .query("size", page.size))
    }
}

/// DNS log service (`client.dns_log()`).
#[derive(Debug, Clone, Copy)]
pub struct DnsLog<'a> {
    client: &'a Client,
}

impl<'a> DnsLog<'a> {
    /// Whether DNS resolutions are recorded (`GET …/enabled`, v1.2).
    pub fn enabled(&self) -> Result<bool> {
        self.client
            .call_json(Call::get("getDnsLogEnabled", "/dns-log/user-dns-resolutions/enabled"))
    }

    /// Start recording (`PUT …/enable`).
    pub fn enable(&self) -> Result<()> {
        self.client
            .call_unit(Call::put("enableDnsLog", "/dns-log/user-dns-resolutions/enable"))
    }

    /// Stop recording (`PUT …/disable`); the log then reads empty.
    pub fn disable(&self) -> Result<()> {
        self.client
            .call_unit(Call::put("disableDnsLog", "/dns-log/user-dns-resolutions/disable"))
    }

    /// One page of the log (`GET …/page`), as chosen by `query`.
    pub fn page(&self, query: &DnsLogQuery) -> Result<Page<DnsResolution>> {
        self.client
            .call_json(query.to_call(PageRequest::new(query.page, query.size))?)
    }

    /// Every entry of the hours chosen by `query` (its `page` and `size` are
    /// ignored: pages of 10000 from page 0); see [`Pager`].
    pub fn iter(&self, query: &DnsLogQuery) -> Pager<'a, DnsResolution> {
        let client = self.client;
        let query = query.clone();
        Pager::new(DNS_LOG_MAX_PAGE_SIZE, move |page| {
            let p: Page<DnsResolution> = client.call_json(query.to_call(page)?)?;
            // the requests pages of 10 would have needed (the tokens-saved metric)
            client.inner().stages.metrics.record_page(p.content.len());
            Ok(p)
        })
    }

    /// Every entry of the hours chosen by `query`, or the first error.
    pub fn list_all(&self, query: &DnsLogQuery) -> Result<Vec<DnsResolution>> {
        self.iter(query).collect()
    }
}

impl Client {
    /// DNS log (`/dns-log/user-dns-resolutions/…`).
    pub fn dns_log(&self) -> DnsLog<'_> {
        DnsLog { client: self }
    }
}
