//! The families that are not plain CRUD: devices (under a user), regions (one
//! unpaged list), sessions (cursor-paged, read only) and settings (one value each).

use cloudconnexa::Client;
use cloudconnexa::models::{DeviceRequest, SessionQuery};
use serde_json::{Value, json};

use crate::failure::{CmdResult, Failure};
use crate::family::{Family, Paging, from_json, items, required, to_json};
use crate::ops::convert;

/// Devices: `--user` filters the list and is required for everything else.
pub struct Devices;

impl Family for Devices {
    fn list(&self, c: &Client, user: Option<&str>, paging: Paging) -> CmdResult<Vec<Value>> {
        items(match paging {
            Paging::All => c.devices().list_all(user)?,
            Paging::One(p) => c.devices().list(user, p)?.content,
        })
    }

    fn get(&self, c: &Client, user: Option<&str>, id: &str) -> CmdResult<Value> {
        to_json(c.devices().get(required(user, "user")?, id)?)
    }

    fn create(&self, c: &Client, user: Option<&str>, body: Value) -> CmdResult<Value> {
        let body: DeviceRequest = from_json(body)?;
        to_json(c.devices().create(required(user, "user")?, &body)?)
    }

    fn update(&self, c: &Client, user: Option<&str>, id: &str, body: Value) -> CmdResult<Value> {
        let body: DeviceRequest = from_json(body)?;
        to_json(c.devices().update(required(user, "user")?, id, &body)?)
    }

    fn delete(&self, c: &Client, user: Option<&str>, id: &str) -> CmdResult {
        Ok(c.devices().delete(required(user, "user")?, id)?)
    }
}

/// VPN regions: one list, no paging; `get` scans it.
pub struct Regions;

impl Family for Regions {
    fn list(&self, c: &Client, _: Option<&str>, _: Paging) -> CmdResult<Vec<Value>> {
        items(c.regions().list()?)
    }

    fn get(&self, c: &Client, _: Option<&str>, id: &str) -> CmdResult<Value> {
        match c.regions().get(id)? {
            Some(r) => to_json(r),
            None => Err(Failure::new(format!("no region with id {id:?}"))),
        }
    }
}

/// Sessions of the last day (the service's default window), read only.
pub struct Sessions;

impl Family for Sessions {
    fn list(&self, c: &Client, _: Option<&str>, paging: Paging) -> CmdResult<Vec<Value>> {
        items(match paging {
            Paging::All => c.sessions().list_all(&SessionQuery::default())?,
            Paging::One(p) => {
                let q = SessionQuery {
                    size: p.size,
                    ..SessionQuery::default()
                };
                c.sessions().list(&q)?.sessions
            }
        })
    }

    fn get(&self, c: &Client, _: Option<&str>, id: &str) -> CmdResult<Value> {
        let all = c.sessions().list_all(&SessionQuery::default())?;
        match all.into_iter().find(|s| s.id == id || s.session_id == id) {
            Some(s) => to_json(s),
            None => Err(Failure::new(format!("no session with id {id:?} in the last day"))),
        }
    }
}

/// Account settings by name (the path, `wpc/topology`, or the getter's dashed name,
/// `topology`): `list` shows each `{name, value}`, `get NAME` one value; `ccx settings
/// set` is one of the generated verbs.
pub struct SettingsFamily;

impl Family for SettingsFamily {
    fn list(&self, c: &Client, _: Option<&str>, _: Paging) -> CmdResult<Vec<Value>> {
        let s = c.settings();
        convert::settings()
            .iter()
            .map(|set| Ok(json!({ "name": set.name, "value": set.read(&s)? })))
            .collect()
    }

    fn get(&self, c: &Client, _: Option<&str>, name: &str) -> CmdResult<Value> {
        Ok(convert::setting(name)?.read(&c.settings())?)
    }
}
