//! User groups (`/user-groups`).

use super::common::{ConnectAuth, InternetAccess};
use super::crud::{Collection, resource};
use super::macros::model;
use crate::client::Client;

model! {
    /// Subnets that bypass the tunnel for a group's members (v1.2.2).
    pub struct TunnelBypass {
        /// IPv4 subnets in CIDR notation.
        pub ipv4_subnets: Vec<String>,
    }
}

model! {
    /// A user group.
    pub struct UserGroup {
        /// Id (UUID).
        pub id: String,
        /// Name.
        pub name: String,
        /// Regions its members may connect to.
        pub vpn_region_ids: Vec<String>,
        /// All current and future regions.
        pub all_regions_included: bool,
        /// Internet access mode.
        pub internet_access: Option<InternetAccess>,
        /// Devices allowed per member.
        pub max_device: i32,
        /// When members must authenticate.
        pub connect_auth: Option<ConnectAuth>,
        /// Subnets the service assigned to the group.
        pub system_subnets: Vec<String>,
        /// Ids of network gateways.
        pub gateways_ids: Vec<String>,
        /// Tunnel bypass subnets (v1.2.2).
        pub tunnel_bypass: Option<TunnelBypass>,
    }
}

model! {
    /// Body of a user group create or update; `name` is required and every region
    /// id must exist (400 naming `vpnRegionIds[i]` otherwise).
    pub struct UserGroupRequest {
        /// Name (required).
        pub name: String,
        /// Region ids (always sent: on update they replace the group's).
        pub vpn_region_ids: Vec<String>,
        /// Internet access mode (service default: split tunnel on).
        pub internet_access: Option<InternetAccess>,
        /// Devices per member (service default: 3).
        pub max_device: Option<i32>,
        /// When members must authenticate (service default: `ON_PRIOR_AUTH`).
        pub connect_auth: Option<ConnectAuth>,
        /// All current and future regions.
        pub all_regions_included: Option<bool>,
        /// Ids of network gateways (leave empty with restricted internet or split tunnel on).
        pub gateways_ids: Option<Vec<String>>,
        /// Tunnel bypass subnets (v1.2.2).
        pub tunnel_bypass: Option<TunnelBypass>,
    }
}

resource! {
    /// Marker of the user groups family.
    UserGroupResource: item UserGroup, create UserGroupRequest, update UserGroupRequest,
    path "/user-groups",
    ops ["getUserGroupsPage", "getUserGroup", "createUserGroup", "updateUserGroup", "deleteUserGroup"]
}

/// User groups service: see [`Collection`]. Deleting a group that still has users is 400.
pub type UserGroups<'a> = Collection<'a, UserGroupResource>;

impl Client {
    /// User groups (`/user-groups`).
    pub fn user_groups(&self) -> UserGroups<'_> {
        Collection::new(self)
    }
}
