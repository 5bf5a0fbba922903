//! One interface over every resource family, in JSON: the library's generic CRUD
//! services (`Collection`, `ChildCollection`) behind it, so each family is one table row.

use cloudconnexa::Client;
use cloudconnexa::api::crud::{ChildResource, Resource};
use cloudconnexa::api::{ChildCollection, Collection};
use cloudconnexa::models::PageRequest;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::failure::{CmdResult, Failure};

/// Which part of a list: one page, or every item.
#[derive(Debug, Clone, Copy)]
pub enum Paging {
    All,
    One(PageRequest),
}

/// What the resource commands need of a family. `parent` is the value of the parent id
/// flag (network, host or user id) where the family has one.
pub trait Family: Sync {
    fn list(&self, c: &Client, parent: Option<&str>, paging: Paging) -> CmdResult<Vec<Value>>;
    fn get(&self, c: &Client, parent: Option<&str>, id: &str) -> CmdResult<Value>;
    fn create(&self, _c: &Client, _parent: Option<&str>, _body: Value) -> CmdResult<Value> {
        unsupported()
    }
    fn update(&self, _c: &Client, _parent: Option<&str>, _id: &str, _body: Value) -> CmdResult<Value> {
        unsupported()
    }
    fn delete(&self, _c: &Client, _parent: Option<&str>, _id: &str) -> CmdResult {
        unsupported()
    }
}

/// Not reached from the command line, which offers only the verbs a family's row lists.
fn unsupported<T>() -> CmdResult<T> {
    Err(Failure::new("this resource does not support that command"))
}

/// Any model as JSON.
pub fn to_json<T: Serialize>(v: T) -> CmdResult<Value> {
    serde_json::to_value(v).map_err(|e| Failure::new(format!("cannot encode the answer: {e}")))
}

/// A request body from JSON, checked against the library's model.
pub fn from_json<T: DeserializeOwned>(v: Value) -> CmdResult<T> {
    serde_json::from_value(v).map_err(|e| Failure::new(format!("the body does not fit the request model: {e}")))
}

/// A list's items as JSON.
pub fn items<T: Serialize>(v: Vec<T>) -> CmdResult<Vec<Value>> {
    v.into_iter().map(to_json).collect()
}

/// The parent id a command needs, or an error naming its flag.
pub fn required<'a>(parent: Option<&'a str>, flag: &str) -> CmdResult<&'a str> {
    parent.ok_or_else(|| Failure::new(format!("--{flag} <ID> is required here")))
}

/// A top-level CRUD family: `client.networks()`, `client.users()`…
pub struct Top<R: 'static>(pub for<'a> fn(&'a Client) -> Collection<'a, R>);

impl<R> Family for Top<R>
where
    R: Resource + 'static,
    R::Item: Serialize,
    R::Create: DeserializeOwned,
    R::Update: DeserializeOwned,
{
    fn list(&self, c: &Client, _parent: Option<&str>, paging: Paging) -> CmdResult<Vec<Value>> {
        let s = (self.0)(c);
        items(match paging {
            Paging::All => s.list_all()?,
            Paging::One(p) => s.list(p)?.content,
        })
    }

    fn get(&self, c: &Client, _parent: Option<&str>, id: &str) -> CmdResult<Value> {
        to_json((self.0)(c).get(id)?)
    }

    fn create(&self, c: &Client, _parent: Option<&str>, body: Value) -> CmdResult<Value> {
        to_json((self.0)(c).create(&from_json::<R::Create>(body)?)?)
    }

    fn update(&self, c: &Client, _parent: Option<&str>, id: &str, body: Value) -> CmdResult<Value> {
        to_json((self.0)(c).update(id, &from_json::<R::Update>(body)?)?)
    }

    fn delete(&self, c: &Client, _parent: Option<&str>, id: &str) -> CmdResult {
        Ok((self.0)(c).delete(id)?)
    }
}

/// A family under a network or host: `client.network_routes()`, `client.host_connectors()`…
/// The parent id filters the list and is required to create.
pub struct Child<R: 'static> {
    pub service: for<'a> fn(&'a Client) -> ChildCollection<'a, R>,
    /// The parent flag's name, for the error when it is missing.
    pub flag: &'static str,
}

impl<R> Family for Child<R>
where
    R: ChildResource + 'static,
    R::Item: Serialize,
    R::Create: DeserializeOwned,
    R::Update: DeserializeOwned,
{
    fn list(&self, c: &Client, parent: Option<&str>, paging: Paging) -> CmdResult<Vec<Value>> {
        let s = (self.service)(c);
        items(match paging {
            Paging::All => s.list_all(parent)?,
            Paging::One(p) => s.list(parent, p)?.content,
        })
    }

    fn get(&self, c: &Client, _parent: Option<&str>, id: &str) -> CmdResult<Value> {
        to_json((self.service)(c).get(id)?)
    }

    fn create(&self, c: &Client, parent: Option<&str>, body: Value) -> CmdResult<Value> {
        let parent = required(parent, self.flag)?;
        to_json((self.service)(c).create(parent, &from_json::<R::Create>(body)?)?)
    }

    fn update(&self, c: &Client, _parent: Option<&str>, id: &str, body: Value) -> CmdResult<Value> {
        to_json((self.service)(c).update(id, &from_json::<R::Update>(body)?)?)
    }

    fn delete(&self, c: &Client, _parent: Option<&str>, id: &str) -> CmdResult {
        Ok((self.service)(c).delete(id)?)
    }
}
