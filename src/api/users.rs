//! Users (`/users`), with their devices embedded, and activation (v1.2).

use super::common::ConnectionStatus;
use super::crud::{Collection, item_sub_path, resource};
use super::devices::{Device, DeviceRequest};
use super::macros::{api_enum, model};
use crate::client::Client;
use crate::error::Result;
use crate::request::Call;

api_enum! {
    /// Role of a user.
    pub enum Role {
        /// Account owner.
        Owner = "OWNER",
        /// Regular user (the service default).
        Member = "MEMBER",
        /// Administrator.
        Admin = "ADMIN",
    }
}

api_enum! {
    /// Account state of a user.
    pub enum UserStatus {
        /// Invited, not signed in yet.
        Invited = "INVITED",
        /// Active.
        Active = "ACTIVE",
        /// Suspended by an administrator.
        Suspended = "SUSPENDED",
        /// Suspended by the identity provider.
        SuspendedIdp = "SUSPENDED_IDP",
    }
}

api_enum! {
    /// How a user signs in.
    pub enum AuthType {
        /// Cloud Connexa's own accounts.
        Internal = "INTERNAL",
        /// SAML.
        Saml = "SAML",
        /// LDAP.
        Ldap = "LDAP",
        /// Google.
        Google = "GOOGLE",
        /// Microsoft.
        Microsoft = "MICROSOFT",
    }
}

model! {
    /// A user, devices included.
    pub struct User {
        /// Id (UUID).
        pub id: String,
        /// Login name.
        pub username: String,
        /// First name.
        pub first_name: String,
        /// Last name.
        pub last_name: String,
        /// E-mail address (where the invitation goes).
        pub email: String,
        /// Id of the user's group.
        pub group_id: String,
        /// Ids of further groups (v1.2).
        pub secondary_group_ids: Vec<String>,
        /// Account state.
        pub status: Option<UserStatus>,
        /// Sign-in method.
        pub auth_type: Option<AuthType>,
        /// Role.
        pub role: Option<Role>,
        /// The user's devices.
        pub devices: Vec<Device>,
        /// Connection state.
        pub connection_status: Option<ConnectionStatus>,
        /// Whether the user holds a licence (v1.2).
        pub licensed: Option<bool>,
    }
}

model! {
    /// Body of [`Users::create`]; `username` and `email` are required, a duplicate
    /// username is 400, `group_id` must name an existing group (service default: the first group).
    pub struct UserCreate {
        /// Login name (required, unique).
        pub username: String,
        /// E-mail address (required).
        pub email: String,
        /// First name.
        pub first_name: Option<String>,
        /// Last name.
        pub last_name: Option<String>,
        /// Group id.
        pub group_id: Option<String>,
        /// Further group ids (v1.2).
        pub secondary_group_ids: Option<Vec<String>>,
        /// Role (service default: `MEMBER`).
        pub role: Option<Role>,
        /// Devices to create with the user.
        pub devices: Vec<DeviceRequest>,
    }
}

model! {
    /// Body of [`Users::update`]: every field optional; `None` fields are not sent.
    pub struct UserUpdate {
        /// First name.
        pub first_name: Option<String>,
        /// Last name.
        pub last_name: Option<String>,
        /// E-mail address.
        pub email: Option<String>,
        /// Group id (must exist).
        pub group_id: Option<String>,
        /// Further group ids (v1.2).
        pub secondary_group_ids: Option<Vec<String>>,
        /// Account state.
        pub status: Option<UserStatus>,
        /// Role.
        pub role: Option<Role>,
    }
}

resource! {
    /// Marker of the users family.
    UserResource: item User, create UserCreate, update UserUpdate,
    path "/users", ops ["getUsers", "getUser", "createUser", "updateUser", "deleteUser"]
}

/// Users service: [`Collection`] plus [`activate`](Users::activate) and [`suspend`](Users::suspend).
pub type Users<'a> = Collection<'a, UserResource>;

impl Users<'_> {
    /// Activate a user (`PUT /users/{id}/activate`, v1.2); the status becomes `ACTIVE`.
    pub fn activate(&self, id: &str) -> Result<()> {
        self.client()
            .call_unit(Call::put("activateUser", item_sub_path("/users", id, "activate")?))
    }

    /// Suspend a user (`PUT /users/{id}/suspend`, v1.2); the status becomes `SUSPENDED`.
    pub fn suspend(&self, id: &str) -> Result<()> {
        self.client()
            .call_unit(Call::put("suspendUser", item_sub_path("/users", id, "suspend")?))
    }
}

impl Client {
    /// Users (`/users`): CRUD (deleting a user deletes its devices), activate, suspend.
    pub fn users(&self) -> Users<'_> {
        Collection::new(self)
    }
}
