//! The generic services behind the CRUD families: [`Collection`] for top-level
//! resources (networks, hosts, users, …) and [`ChildCollection`] for resources that
//! belong to a network or host (routes, connectors, IP services, applications).
//! Each family only declares its path, operation names and model types.

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::check::{filter_id, query_id};
use super::page::{MAX_PAGE_SIZE, Page, PageRequest, Pager};
use crate::client::Client;
use crate::error::Result;
use crate::request::{Call, segment};

/// The path (below `/api/v1`) and operation names of one CRUD family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// Collection path, e.g. `/networks`.
    pub path: &'static str,
    /// operationId of `GET {path}` (a page).
    pub list: &'static str,
    /// operationId of `GET {path}/{id}`.
    pub get: &'static str,
    /// operationId of `POST {path}`.
    pub create: &'static str,
    /// operationId of `PUT {path}/{id}`.
    pub update: &'static str,
    /// operationId of `DELETE {path}/{id}`.
    pub delete: &'static str,
}

mod sealed {
    pub trait Sealed {}
}
pub(crate) use sealed::Sealed;

/// A CRUD family: its models and its [`Endpoint`]. Implemented by the marker types
/// of this module's users (e.g. `NetworkResource`); sealed.
pub trait Resource: Sealed {
    /// What the service returns for one item.
    type Item: DeserializeOwned + 'static;
    /// The body of a create.
    type Create: Serialize + ?Sized;
    /// The body of an update.
    type Update: Serialize + ?Sized;
    /// Path and operation names.
    const ENDPOINT: Endpoint;
}

/// A family whose items belong to a network or host: the parent id is a query
/// parameter of the list (optional filter) and of the create (required).
pub trait ChildResource: Resource {
    /// The parent's query parameter: `networkId` or `hostId`.
    const PARENT: &'static str;
}

/// `{base}/{id}` with the id checked and encoded.
pub(crate) fn item_path(base: &str, id: &str) -> Result<String> {
    Ok(format!("{base}/{}", segment(id)?))
}

/// `{base}/{id}/{tail}` with the id checked and encoded.
pub(crate) fn item_sub_path(base: &str, id: &str, tail: &str) -> Result<String> {
    Ok(format!("{base}/{}/{tail}", segment(id)?))
}

/// `GET` one page of a list, with an optional filter query parameter.
pub(crate) fn fetch_page<T: DeserializeOwned>(
    client: &Client,
    op: &'static str,
    path: &str,
    filter: Option<(&str, &str)>,
    page: PageRequest,
) -> Result<Page<T>> {
    let page = page.validate()?;
    let mut call = Call::get(op, path);
    if let Some((name, id)) = filter {
        call = call.query(name, query_id(name, id)?);
    }
    client.call_json(call.query("page", page.page).query("size", page.size))
}

/// A pager over a whole list, with an optional filter (owned, so the pager can outlive it).
pub(crate) fn pager<'a, T: DeserializeOwned + 'static>(
    client: &'a Client,
    op: &'static str,
    path: &'static str,
    filter: Option<(&'static str, String)>,
) -> Pager<'a, T> {
    Pager::new(MAX_PAGE_SIZE, move |page| {
        let p: Page<T> = fetch_page(client, op, path, filter.as_ref().map(|(k, v)| (*k, v.as_str())), page)?;
        // the requests pages of 10 would have needed (the tokens-saved metric)
        client.inner().stages.metrics.record_page(p.content.len());
        Ok(p)
    })
}

/// Service of a top-level CRUD family (`client.networks()`, `client.users()`, …).
///
/// A cheap borrowed handle: create one per use or keep it; it holds only `&Client`.
/// Every method makes one call through the client's pipeline (retries, rate limit,
/// token refresh) except `iter`/`list_all`, which make one call per 1000 items.
///
/// Errors common to all methods: an empty id, `.`/`..` or an id with control
/// characters is `InvalidInput` (no request is sent); an unknown id is
/// `ErrorKind::Http { status: 404, .. }` (DNS records: 400, the service's quirk)
/// with the parsed `ErrorResponse` in [`Error::api_error`](crate::error::Error::api_error);
/// a body the service rejects is 400 with the offending fields in `errorDetails`.
pub struct Collection<'a, R> {
    client: &'a Client,
    kind: PhantomData<fn() -> R>,
}

impl<R> Clone for Collection<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Collection<'_, R> {}

impl<R: Resource> std::fmt::Debug for Collection<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collection").field("path", &R::ENDPOINT.path).finish()
    }
}

impl<'a, R: Resource> Collection<'a, R> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Collection {
            client,
            kind: PhantomData,
        }
    }

    /// The client this service calls through.
    pub fn client(&self) -> &'a Client {
        self.client
    }

    /// One page of the list (`GET {path}?page=&size=`). `size` must be 1..=1000
    /// (`InvalidInput` otherwise, nothing sent); a page past the end is empty.
    pub fn list(&self, page: PageRequest) -> Result<Page<R::Item>> {
        let ep = R::ENDPOINT;
        fetch_page(self.client, ep.list, ep.path, None, page)
    }

    /// Every item, fetched lazily in pages of 1000; see [`Pager`].
    pub fn iter(&self) -> Pager<'a, R::Item> {
        let ep = R::ENDPOINT;
        pager(self.client, ep.list, ep.path, None)
    }

    /// Every item, or the first error.
    pub fn list_all(&self) -> Result<Vec<R::Item>> {
        self.iter().collect()
    }

    /// One item by id (`GET {path}/{id}`).
    pub fn get(&self, id: &str) -> Result<R::Item> {
        let ep = R::ENDPOINT;
        self.client.call_json(Call::get(ep.get, item_path(ep.path, id)?))
    }

    /// Create an item (`POST {path}`; the service answers 201, or 200 for location
    /// contexts and device postures) and return it as stored, with its new id.
    pub fn create(&self, body: &R::Create) -> Result<R::Item> {
        let ep = R::ENDPOINT;
        self.client.call_json(Call::post(ep.create, ep.path).json(body)?)
    }

    /// Replace the editable fields of an item (`PUT {path}/{id}`) and return it as
    /// stored. Fields left `None` in the body are not sent.
    pub fn update(&self, id: &str, body: &R::Update) -> Result<R::Item> {
        let ep = R::ENDPOINT;
        self.client
            .call_json(Call::put(ep.update, item_path(ep.path, id)?).json(body)?)
    }

    /// Delete an item (`DELETE {path}/{id}`; 204, or 200 for location contexts and
    /// device postures). Deleting a network or host deletes its children too.
    pub fn delete(&self, id: &str) -> Result<()> {
        let ep = R::ENDPOINT;
        self.client.call_unit(Call::delete(ep.delete, item_path(ep.path, id)?))
    }
}

/// Service of a CRUD family whose items belong to a network or host
/// (`client.network_routes()`, `client.host_connectors()`, …).
///
/// As [`Collection`], plus the parent: `list`/`iter`/`list_all` take an optional
/// parent id filter (`networkId` or `hostId`; `Some("")` is `InvalidInput`, not
/// "no filter"), and `create` takes the required parent id. An unknown parent is 404.
pub struct ChildCollection<'a, R> {
    client: &'a Client,
    kind: PhantomData<fn() -> R>,
}

impl<R> Clone for ChildCollection<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for ChildCollection<'_, R> {}

impl<R: ChildResource> std::fmt::Debug for ChildCollection<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildCollection")
            .field("path", &R::ENDPOINT.path)
            .finish()
    }
}

impl<'a, R: ChildResource> ChildCollection<'a, R> {
    pub(crate) fn new(client: &'a Client) -> Self {
        ChildCollection {
            client,
            kind: PhantomData,
        }
    }

    /// The client this service calls through.
    pub fn client(&self) -> &'a Client {
        self.client
    }

    /// One page of the list, of one parent's items when `parent_id` is given.
    /// `size` must be 1..=1000 (`InvalidInput` otherwise, nothing sent).
    pub fn list(&self, parent_id: Option<&str>, page: PageRequest) -> Result<Page<R::Item>> {
        let ep = R::ENDPOINT;
        let filter = filter_id(R::PARENT, parent_id)?.map(|id| (R::PARENT, id));
        fetch_page(self.client, ep.list, ep.path, filter, page)
    }

    /// Every item (of one parent when `parent_id` is given), fetched lazily in
    /// pages of 1000; see [`Pager`]. A bad `parent_id` is yielded as the only item.
    pub fn iter(&self, parent_id: Option<&str>) -> Pager<'a, R::Item> {
        let ep = R::ENDPOINT;
        pager(
            self.client,
            ep.list,
            ep.path,
            parent_id.map(|id| (R::PARENT, id.to_string())),
        )
    }

    /// Every item (of one parent when `parent_id` is given), or the first error.
    pub fn list_all(&self, parent_id: Option<&str>) -> Result<Vec<R::Item>> {
        self.iter(parent_id).collect()
    }

    /// One item by id (`GET {path}/{id}`).
    pub fn get(&self, id: &str) -> Result<R::Item> {
        let ep = R::ENDPOINT;
        self.client.call_json(Call::get(ep.get, item_path(ep.path, id)?))
    }

    /// Create an item under parent `parent_id` (`POST {path}?networkId=|hostId=`,
    /// answered 201) and return it as stored, with its new id.
    pub fn create(&self, parent_id: &str, body: &R::Create) -> Result<R::Item> {
        let ep = R::ENDPOINT;
        let call = Call::post(ep.create, ep.path).query(R::PARENT, query_id(R::PARENT, parent_id)?);
        self.client.call_json(call.json(body)?)
    }

    /// Replace the editable fields of an item (`PUT {path}/{id}`) and return it as stored.
    pub fn update(&self, id: &str, body: &R::Update) -> Result<R::Item> {
        let ep = R::ENDPOINT;
        self.client
            .call_json(Call::put(ep.update, item_path(ep.path, id)?).json(body)?)
    }

    /// Delete an item (`DELETE {path}/{id}`, answered 204).
    pub fn delete(&self, id: &str) -> Result<()> {
        let ep = R::ENDPOINT;
        self.client.call_unit(Call::delete(ep.delete, item_path(ep.path, id)?))
    }
}

/// Declare the marker type of a CRUD family.
macro_rules! resource {
    (
        $(#[$meta:meta])*
        $marker:ident: item $item:ty, create $create:ty, update $update:ty,
        path $path:literal, ops [$list:literal, $get:literal, $createop:literal, $updateop:literal, $delete:literal]
        $(, parent $parent:literal)?
    ) => {
        $(#[$meta])*
        #[derive(Debug)]
        pub enum $marker {}

        impl crate::api::crud::Sealed for $marker {}

        impl crate::api::crud::Resource for $marker {
            type Item = $item;
            type Create = $create;
            type Update = $update;
            const ENDPOINT: crate::api::crud::Endpoint = crate::api::crud::Endpoint {
                path: $path,
                list: $list,
                get: $get,
                create: $createop,
                update: $updateop,
                delete: $delete,
            };
        }

        $(
            impl crate::api::crud::ChildResource for $marker {
                const PARENT: &'static str = $parent;
            }
        )?
    };
}

pub(crate) use resource;
