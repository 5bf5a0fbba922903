//! What `ccx bench` calls: a named list endpoint (one page through the typed API) or a
//! raw `GET /path`, and the metrics operation its calls are recorded under.

use cloudconnexa::api::crud::Resource;
use cloudconnexa::api::hosts::HostResource;
use cloudconnexa::api::networks::NetworkResource;
use cloudconnexa::api::user_groups::UserGroupResource;
use cloudconnexa::api::users::UserResource;
use cloudconnexa::{Client, Method, PageRequest, Result};

use crate::failure::{CmdResult, Failure};

/// Which seeded collection of the emulator a named endpoint lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seeded {
    Networks,
    Users,
    Hosts,
    /// A fixed set (user groups, regions): `--body-size` cannot grow it.
    Fixed,
}

/// A named endpoint (`--endpoint NAME`): name, operation, seeded collection, call.
type Named = (
    &'static str,
    &'static str,
    Seeded,
    fn(&Client, PageRequest) -> Result<()>,
);

const NAMED: &[Named] = &[
    ("networks", NetworkResource::ENDPOINT.list, Seeded::Networks, |c, p| {
        c.networks().list(p).map(drop)
    }),
    ("users", UserResource::ENDPOINT.list, Seeded::Users, |c, p| {
        c.users().list(p).map(drop)
    }),
    ("hosts", HostResource::ENDPOINT.list, Seeded::Hosts, |c, p| {
        c.hosts().list(p).map(drop)
    }),
    (
        "user-groups",
        UserGroupResource::ENDPOINT.list,
        Seeded::Fixed,
        |c, p| c.user_groups().list(p).map(drop),
    ),
    ("regions", "getVpnRegions", Seeded::Fixed, |c, _| {
        c.regions().list().map(drop)
    }),
];

/// The endpoint of a bench run.
#[derive(Debug, Clone)]
pub enum Endpoint {
    /// One of the named list endpoints (index into the table).
    Named(usize),
    /// `GET path` with these query parameters, through `Client::request`.
    Raw { path: String, query: Vec<(String, String)> },
}

/// The names `--endpoint` accepts besides `GET /path`.
pub fn names() -> String {
    NAMED.iter().map(|n| n.0).collect::<Vec<_>>().join(", ")
}

impl Endpoint {
    /// Parse `--endpoint`: a name, or `GET /path[?k=v&…]` (the `GET ` may be left out).
    pub fn parse(s: &str) -> CmdResult<Endpoint> {
        let s = s.trim();
        if let Some(i) = NAMED.iter().position(|n| n.0 == s) {
            return Ok(Endpoint::Named(i));
        }
        let raw = match s.split_once(char::is_whitespace) {
            Some((m, rest)) if m.eq_ignore_ascii_case("GET") => rest.trim(),
            Some((m, _)) => return Err(Failure::new(format!("--endpoint: only GET is benchmarked, not {m}"))),
            None => s,
        };
        if !raw.starts_with('/') {
            return Err(Failure::new(format!(
                "--endpoint {s:?}: expected one of {} or GET /path",
                names()
            )));
        }
        let (path, q) = raw.split_once('?').unwrap_or((raw, ""));
        let query = q
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (k.to_string(), v.to_string())
            })
            .collect();
        Ok(Endpoint::Raw {
            path: path.to_string(),
            query,
        })
    }

    /// How the endpoint is shown in the report.
    pub fn label(&self) -> String {
        match self {
            Endpoint::Named(i) => NAMED[*i].0.to_string(),
            Endpoint::Raw { path, query } if query.is_empty() => format!("GET {path}"),
            Endpoint::Raw { path, query } => {
                let q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("GET {path}?{}", q.join("&"))
            }
        }
    }

    /// The operation the library records these calls under.
    pub fn operation(&self) -> &'static str {
        match self {
            Endpoint::Named(i) => NAMED[*i].1,
            Endpoint::Raw { .. } => "raw",
        }
    }

    /// The emulator collection a named endpoint lists (`None` for raw paths).
    pub fn seeded(&self) -> Option<Seeded> {
        match self {
            Endpoint::Named(i) => Some(NAMED[*i].2),
            Endpoint::Raw { .. } => None,
        }
    }

    /// The collection path of a seeded named endpoint (for sizing the emulator's pages).
    pub fn seeded_path(&self) -> Option<&'static str> {
        match self.seeded()? {
            Seeded::Networks => Some(NetworkResource::ENDPOINT.path),
            Seeded::Users => Some(UserResource::ENDPOINT.path),
            Seeded::Hosts => Some(HostResource::ENDPOINT.path),
            Seeded::Fixed => None,
        }
    }

    /// One call; the answer is dropped (the library's metrics record it).
    pub fn call(&self, client: &Client, page: PageRequest) -> Result<()> {
        match self {
            Endpoint::Named(i) => (NAMED[*i].3)(client, page),
            Endpoint::Raw { path, query } => {
                let mut r = client.request(Method::Get, path);
                for (k, v) in query {
                    r = r.query(k, v);
                }
                r.send().map(drop)
            }
        }
    }
}
