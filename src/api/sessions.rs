//! Sessions (`/sessions`): VPN connections, listed with a cursor instead of pages.

use super::check::in_range;
use super::dates::check_rfc3339;
use super::macros::{api_enum, model};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::Call;

api_enum! {
    /// State of a session.
    pub enum SessionStatus {
        /// Connected now.
        Active = "ACTIVE",
        /// Ended normally.
        Completed = "COMPLETED",
        /// Failed.
        Failed = "FAILED",
    }
}

model! {
    /// A VPN session. Holds the fields of the v1.1 schema and of the Go client's
    /// v1.2 struct (servers send one set or both); absent ones are empty.
    /// Date-times are RFC 3339 strings.
    pub struct Session {
        /// Id (v1.1).
        pub id: String,
        /// Id (v1.2 name).
        pub session_id: String,
        /// User id.
        pub user_id: String,
        /// User name.
        pub user_name: String,
        /// Name of the user's group.
        pub user_group: String,
        /// First name.
        pub first_name: String,
        /// Last name.
        pub last_name: String,
        /// E-mail.
        pub email: String,
        /// Device id.
        pub device_id: String,
        /// Device name.
        pub device_name: String,
        /// Client UUID.
        #[serde(rename = "clientUUID")]
        pub client_uuid: String,
        /// Operating system.
        pub os_type: String,
        /// Operating system version.
        pub os_version: String,
        /// Host id.
        pub host_id: String,
        /// Host name.
        pub host_name: String,
        /// Network id.
        pub network_id: String,
        /// Network name.
        pub network_name: String,
        /// Connector id.
        pub connector_id: String,
        /// Connector name.
        pub connector_name: String,
        /// Region (v1.1).
        pub region: String,
        /// Region id (v1.2).
        pub region_id: String,
        /// Region name (v1.2).
        pub region_name: String,
        /// Start (v1.1), RFC 3339.
        pub session_start_time: Option<String>,
        /// Start (v1.2 name), RFC 3339.
        pub start_date_time: Option<String>,
        /// End, RFC 3339; absent while active.
        pub session_end_time: Option<String>,
        /// Duration in seconds.
        pub session_duration_seconds: Option<i64>,
        /// State (v1.1).
        pub status: Option<SessionStatus>,
        /// State (v1.2 name).
        pub connection_status: Option<SessionStatus>,
        /// Why it ended, e.g. `USER_DISCONNECTED`.
        pub disconnect_reason: Option<String>,
        /// Human-readable reason.
        pub disconnect_reason_description: Option<String>,
        /// Bytes received.
        pub bytes_in: i64,
        /// Bytes sent.
        pub bytes_out: i64,
        /// `UDP` or `TCP`.
        pub protocol: String,
        /// Public IP of the client (v1.1).
        pub public_ip: String,
        /// Public IP of the client (v1.2 name).
        pub client_ip: String,
        /// Tunnel IPv4 address (v1.1).
        pub tunnel_ip_v4: String,
        /// Tunnel IPv4 address (v1.2 name).
        pub vpn_ipv4: String,
        /// Tunnel IPv6 address.
        pub tunnel_ip_v6: String,
    }
}

model! {
    /// One page of sessions.
    pub struct SessionsPage {
        /// The sessions.
        pub sessions: Vec<Session>,
        /// Cursor of the next page; `None` (or empty) on the last page.
        pub next_cursor: Option<String>,
    }
}

/// Which sessions to list. `size` is 1..=100 (default 100; `InvalidInput`
/// otherwise, nothing sent). `start_date` (inclusive, at most 30 days back; service
/// default: one day ago) and `end_date` (exclusive; default now) are RFC 3339
/// date-times, e.g. from [`rfc3339`](super::dates::rfc3339).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionQuery {
    /// Sessions per page, 1..=100.
    pub size: u32,
    /// Sessions active at or after this instant.
    pub start_date: Option<String>,
    /// Sessions started before this instant.
    pub end_date: Option<String>,
    /// Only sessions in this state.
    pub status: Option<SessionStatus>,
    /// Only sessions created in the window (no repeats across windows).
    pub return_only_new: bool,
    /// Cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

impl Default for SessionQuery {
    fn default() -> Self {
        SessionQuery {
            size: 100,
            start_date: None,
            end_date: None,
            status: None,
            return_only_new: false,
            cursor: None,
        }
    }
}

impl SessionQuery {
    fn to_call(&self) -> Result<Call> {
        in_range("session page size", self.size, 1, 100)?;
        for (name, v) in [("startDate", &self.start_date), ("endDate", &self.end_date)] {
            if let Some(v) = v {
                check_rfc3339(name, v)?;
            }
        }
        if self.status == Some(SessionStatus::Unknown) {
            return Err(Error::invalid("session status Unknown cannot be sent"));
        }
        let call = Call::get("getSessions", "/sessions")
            .query("size", self.size)
            .query_opt("startDate", self.start_date.as_deref())
            .query_opt("endDate", self.end_date.as_deref())
            .query_opt("status", self.status.map(SessionStatus::as_str))
            .query_opt("returnOnlyNew", self.return_only_new.then_some("true"))
            .query_opt("cursor", self.cursor.as_deref().filter(|c| !c.is_empty()));
        Ok(call)
    }
}

/// Sessions service (`client.sessions()`).
#[derive(Debug, Clone, Copy)]
pub struct Sessions<'a> {
    client: &'a Client,
}

impl<'a> Sessions<'a> {
    /// One page of sessions (`GET /sessions`).
    pub fn list(&self, query: &SessionQuery) -> Result<SessionsPage> {
        self.client.call_json(query.to_call()?)
    }

    /// Every session matching `query`, following `nextCursor` page by page from
    /// `query.cursor`; yields an error once and then ends.
    pub fn iter(&self, query: &SessionQuery) -> SessionIter<'a> {
        SessionIter {
            client: self.client,
            query: query.clone(),
            items: Vec::new().into_iter(),
            done: false,
        }
    }

    /// Every session matching `query`, or the first error.
    pub fn list_all(&self, query: &SessionQuery) -> Result<Vec<Session>> {
        self.iter(query).collect()
    }
}

/// Iterator over sessions across cursor pages; see [`Sessions::iter`]. It stops when
/// a page has no `nextCursor` (or an empty one, or the same cursor again).
#[derive(Debug)]
pub struct SessionIter<'a> {
    client: &'a Client,
    query: SessionQuery,
    items: std::vec::IntoIter<Session>,
    done: bool,
}

impl Iterator for SessionIter<'_> {
    type Item = Result<Session>;

    fn next(&mut self) -> Option<Result<Session>> {
        loop {
            if let Some(s) = self.items.next() {
                return Some(Ok(s));
            }
            if self.done {
                return None;
            }
            match self.client.sessions().list(&self.query) {
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Ok(page) => {
                    match page.next_cursor.filter(|c| !c.is_empty()) {
                        Some(c) if self.query.cursor.as_deref() != Some(c.as_str()) => self.query.cursor = Some(c),
                        _ => self.done = true,
                    }
                    self.items = page.sessions.into_iter();
                }
            }
        }
    }
}

impl std::iter::FusedIterator for SessionIter<'_> {}

impl Client {
    /// Sessions (`/sessions`), cursor-paged.
    pub fn sessions(&self) -> Sessions<'_> {
        Sessions { client: self }
    }
}
