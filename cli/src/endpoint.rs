//! What `ccx bench` calls: a named list endpoint (one page through the typed API), a
//! raw `GET /path`, or `mix` (the fleet benchmark's fixed job of lists, gets and
//! creates), and the metrics operations its calls are recorded under.

use cloudconnexa::api::crud::Resource;
use cloudconnexa::api::hosts::{HostCreate, HostResource};
use cloudconnexa::api::networks::NetworkResource;
use cloudconnexa::api::user_groups::UserGroupResource;
use cloudconnexa::api::users::UserResource;
use cloudconnexa::models::PageRequest;
use cloudconnexa::{Client, Method, Result};

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
    /// The fleet's fixed job ([`Mix`]).
    Mix,
}

/// The names `--endpoint` accepts besides `GET /path`.
pub fn names() -> String {
    let mut n: Vec<&str> = NAMED.iter().map(|n| n.0).collect();
    n.push(MIX);
    n.join(", ")
}

/// `--endpoint mix`.
pub const MIX: &str = "mix";

/// One call of the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MixCall {
    /// Page 0 of the networks, [`Mix::PAGE_SIZE`] items.
    ListNetworks,
    /// One network by id.
    GetNetwork,
    /// Create a host with a unique name.
    CreateHost,
}

/// The mix by call index modulo 10: 6 lists, 3 gets, 1 create, interleaved.
const MIX_PATTERN: [MixCall; 10] = {
    use MixCall::*;
    [
        ListNetworks,
        GetNetwork,
        ListNetworks,
        ListNetworks,
        GetNetwork,
        ListNetworks,
        CreateHost,
        ListNetworks,
        GetNetwork,
        ListNetworks,
    ]
};

/// The fleet benchmark's fixed job: per call, by its index (deterministic), 6 in 10 are a
/// page of networks (size 10), 3 in 10 a GET of one network by id and 1 in 10 the create
/// of a host named `ccx-bench-<pid>-<index>`. The ids come from `--mix-ids`, or from one
/// page of networks listed before the timed run (a setup call, reported as such).
#[derive(Debug, Clone)]
pub struct Mix {
    ids: Vec<String>,
    tag: String,
}

impl Mix {
    /// Page size of the list calls.
    pub const PAGE_SIZE: u32 = 10;

    /// The operations the mix's calls are recorded under: list, get, create.
    pub const OPERATIONS: [&'static str; 3] = [
        NetworkResource::ENDPOINT.list,
        NetworkResource::ENDPOINT.get,
        HostResource::ENDPOINT.create,
    ];

    /// A mix over these network ids (not empty), host names tagged with this process id.
    pub fn new(ids: Vec<String>) -> CmdResult<Mix> {
        if ids.iter().all(|i| i.trim().is_empty()) {
            return Err(Failure::new("--endpoint mix needs at least one network id"));
        }
        Ok(Mix {
            ids: ids.into_iter().filter(|i| !i.trim().is_empty()).collect(),
            tag: format!("ccx-bench-{}", std::process::id()),
        })
    }

    /// The ids of one page of networks (size [`Mix::PAGE_SIZE`]), listed with `client`.
    pub fn list_ids(client: &Client) -> Result<Vec<String>> {
        let page = client.networks().list(PageRequest::first(Self::PAGE_SIZE))?;
        Ok(page.content.into_iter().map(|n| n.id).collect())
    }

    /// What call `index` is.
    pub fn kind(index: u64) -> MixCall {
        MIX_PATTERN[(index % 10) as usize]
    }

    /// The network id call `index` gets (cycles through the ids).
    fn id(&self, index: u64) -> &str {
        let rank = MIX_PATTERN[..(index % 10) as usize]
            .iter()
            .filter(|k| **k == MixCall::GetNetwork)
            .count() as u64;
        let n = (index / 10) * 3 + rank;
        &self.ids[(n % self.ids.len() as u64) as usize]
    }

    /// Make call `index`; the answer is dropped (the library's metrics record it).
    pub fn call(&self, client: &Client, index: u64) -> Result<()> {
        match Self::kind(index) {
            MixCall::ListNetworks => client.networks().list(PageRequest::first(Self::PAGE_SIZE)).map(drop),
            MixCall::GetNetwork => client.networks().get(self.id(index)).map(drop),
            MixCall::CreateHost => {
                let body = HostCreate {
                    name: format!("{}-{index}", self.tag),
                    description: Some("ccx bench --endpoint mix".into()),
                    ..HostCreate::default()
                };
                client.hosts().create(&body).map(drop)
            }
        }
    }
}

impl Endpoint {
    /// Parse `--endpoint`: a name, or `GET /path[?k=v&…]` (the `GET ` may be left out).
    pub fn parse(s: &str) -> CmdResult<Endpoint> {
        let s = s.trim();
        if let Some(i) = NAMED.iter().position(|n| n.0 == s) {
            return Ok(Endpoint::Named(i));
        }
        if s == MIX {
            return Ok(Endpoint::Mix);
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
            Endpoint::Mix => MIX.to_string(),
        }
    }

    /// The operation the library records these calls under (for the mix, its three
    /// operations joined by `+`).
    pub fn operation(&self) -> String {
        match self {
            Endpoint::Named(i) => NAMED[*i].1.to_string(),
            Endpoint::Raw { .. } => "raw".to_string(),
            Endpoint::Mix => Mix::OPERATIONS.join("+"),
        }
    }

    /// Every operation the library records these calls under.
    pub fn operations(&self) -> Vec<&'static str> {
        match self {
            Endpoint::Named(i) => vec![NAMED[*i].1],
            Endpoint::Raw { .. } => vec!["raw"],
            Endpoint::Mix => Mix::OPERATIONS.to_vec(),
        }
    }

    /// The emulator collection a named endpoint lists (`None` for raw paths and the mix).
    pub fn seeded(&self) -> Option<Seeded> {
        match self {
            Endpoint::Named(i) => Some(NAMED[*i].2),
            Endpoint::Raw { .. } | Endpoint::Mix => None,
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

    /// One call; the answer is dropped (the library's metrics record it). The mix is
    /// called through [`Mix::call`]; here it lists one page of networks.
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
            Endpoint::Mix => client.networks().list(PageRequest::first(Mix::PAGE_SIZE)).map(drop),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_is_six_lists_three_gets_one_create_in_ten() {
        let count = |k| (0..1000u64).filter(|i| Mix::kind(*i) == k).count();
        assert_eq!(count(MixCall::ListNetworks), 600);
        assert_eq!(count(MixCall::GetNetwork), 300);
        assert_eq!(count(MixCall::CreateHost), 100);
    }

    #[test]
    fn mix_gets_cycle_through_every_id() {
        let m = Mix::new((0..7).map(|i| format!("id{i}")).collect()).unwrap();
        let got: std::collections::BTreeSet<&str> = (0..100u64)
            .filter(|i| Mix::kind(*i) == MixCall::GetNetwork)
            .map(|i| m.id(i))
            .collect();
        assert_eq!(got.len(), 7);
        assert!(Mix::new(vec![" ".into()]).is_err());
        assert!(matches!(Endpoint::parse("mix"), Ok(Endpoint::Mix)));
    }
}
