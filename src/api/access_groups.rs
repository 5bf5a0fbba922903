//! Access groups (`/access-groups`): which sources may reach which destinations.

use super::check::query_id;
use super::crud::{Collection, item_sub_path, resource};
use super::macros::{api_enum, model};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::Call;

api_enum! {
    /// Kind of an access group item. Sources take `USER_GROUP`, `NETWORK_SERVICE`
    /// or `HOST`; destinations `USER_GROUP`, `NETWORK_SERVICE`, `HOST_SERVICE` or
    /// `PUBLISHED_SERVICE`.
    pub enum AccessItemType {
        /// A user group (`children` = user group ids).
        UserGroup = "USER_GROUP",
        /// A network with its services (`parent` = network id, `children` = service ids).
        NetworkService = "NETWORK_SERVICE",
        /// A host (sources).
        Host = "HOST",
        /// A host with its services (`parent` = host id, `children` = service ids).
        HostService = "HOST_SERVICE",
        /// A published service.
        PublishedService = "PUBLISHED_SERVICE",
    }
}

model! {
    /// One source or destination of an access group. `allCovered = true` covers
    /// every item of the type (or every child of `parent`), including future ones.
    pub struct AccessItem {
        /// Kind (required in requests).
        #[serde(rename = "type")]
        pub item_type: Option<AccessItemType>,
        /// All items of the type, or all children of the parent.
        pub all_covered: bool,
        /// Parent id (a network or host).
        pub parent: Option<String>,
        /// Child ids (services, applications or user groups).
        pub children: Vec<String>,
    }
}

impl AccessItem {
    /// An item of type `item_type` covering everything of that type.
    pub fn all(item_type: AccessItemType) -> AccessItem {
        AccessItem {
            item_type: Some(item_type),
            all_covered: true,
            ..AccessItem::default()
        }
    }

    /// An item of type `item_type` under `parent`, covering only `children`
    /// (all of the parent's children when `children` is empty).
    pub fn under(item_type: AccessItemType, parent: impl Into<String>, children: Vec<String>) -> AccessItem {
        AccessItem {
            item_type: Some(item_type),
            all_covered: children.is_empty(),
            parent: Some(parent.into()),
            children,
        }
    }
}

model! {
    /// An access group.
    pub struct AccessGroup {
        /// Id (UUID).
        pub id: String,
        /// Name, e.g. "Default Full Mesh Access".
        pub name: String,
        /// Description.
        pub description: String,
        /// Whether this is the built-in default group.
        pub default_group: bool,
        /// Who may connect.
        pub source: Vec<AccessItem>,
        /// What they may reach.
        pub destination: Vec<AccessItem>,
    }
}

model! {
    /// Body of an access group create or update; `name` is required, every item
    /// needs a `type`. Both lists are always sent: on update they replace the group's.
    pub struct AccessGroupRequest {
        /// Name (required).
        pub name: String,
        /// Description.
        pub description: Option<String>,
        /// Sources.
        pub source: Vec<AccessItem>,
        /// Destinations.
        pub destination: Vec<AccessItem>,
    }
}

resource! {
    /// Marker of the access groups family.
    AccessGroupResource: item AccessGroup, create AccessGroupRequest, update AccessGroupRequest,
    path "/access-groups",
    ops ["getAccessGroupsPage", "getAccessGroupsPage_1", "createAccessGroup", "updateAccessGroup", "deleteAccessGroup"]
}

/// Access groups service: [`Collection`] plus adding and removing single sources
/// and destinations.
pub type AccessGroups<'a> = Collection<'a, AccessGroupResource>;

impl AccessGroups<'_> {
    fn add(&self, op: &'static str, side: &str, id: &str, item: &AccessItem) -> Result<AccessGroup> {
        let call = Call::post(op, item_sub_path("/access-groups", id, side)?).json(item)?;
        self.client().call_json(call)
    }

    fn remove(
        &self,
        op: &'static str,
        side: &str,
        id: &str,
        item_type: AccessItemType,
        parent_id: Option<&str>,
        child_id: Option<&str>,
    ) -> Result<AccessGroup> {
        if item_type == AccessItemType::Unknown {
            return Err(Error::invalid("access item type Unknown cannot be sent"));
        }
        if child_id.is_some() && parent_id.is_none() {
            // the service would ignore the child and remove every item of the type
            return Err(Error::invalid("child_id needs parent_id"));
        }
        let mut call = Call::delete(op, item_sub_path("/access-groups", id, side)?).query("type", item_type.as_str());
        if let Some(p) = parent_id {
            call = call.query("parentId", query_id("parentId", p)?);
        }
        if let Some(c) = child_id {
            call = call.query("childId", query_id("childId", c)?);
        }
        self.client().call_json(call)
    }

    /// Add a source (`POST /access-groups/{id}/source`); an item with the same type
    /// and parent is merged. Returns the group as stored.
    pub fn add_source(&self, id: &str, item: &AccessItem) -> Result<AccessGroup> {
        self.add("addAccessGroupSource", "source", id, item)
    }

    /// Add a destination (`POST /access-groups/{id}/destination`). Returns the group.
    pub fn add_destination(&self, id: &str, item: &AccessItem) -> Result<AccessGroup> {
        self.add("addAccessGroupDestination", "destination", id, item)
    }

    /// Remove sources (`DELETE /access-groups/{id}/source?type=&parentId=&childId=`):
    /// with only the type, every source of that type; with `parent_id`, those under
    /// that parent; with both ids, that one child. `child_id` without `parent_id` is
    /// `InvalidInput`. Returns the group as stored.
    pub fn remove_source(
        &self,
        id: &str,
        item_type: AccessItemType,
        parent_id: Option<&str>,
        child_id: Option<&str>,
    ) -> Result<AccessGroup> {
        self.remove("deleteAccessGroupSource", "source", id, item_type, parent_id, child_id)
    }

    /// Remove destinations; as [`remove_source`](Self::remove_source).
    pub fn remove_destination(
        &self,
        id: &str,
        item_type: AccessItemType,
        parent_id: Option<&str>,
        child_id: Option<&str>,
    ) -> Result<AccessGroup> {
        self.remove(
            "deleteAccessGroupDestination",
            "destination",
            id,
            item_type,
            parent_id,
            child_id,
        )
    }
}

impl Client {
    /// Access groups (`/access-groups`).
    pub fn access_groups(&self) -> AccessGroups<'_> {
        Collection::new(self)
    }
}
