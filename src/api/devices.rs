//! Devices (`/devices`): every call but the list names the owning user (`userId`).

use super::check::{query_id, unquote};
use super::common::ConnectionStatus;
use super::crud::{fetch_page, item_path, item_sub_path, pager};
use super::macros::model;
use super::page::{Page, PageRequest, Pager};
use crate::client::Client;
use crate::error::Result;
use crate::request::Call;

/// The platform of a device. The v1.1 schema makes it an object `{os, version}`;
/// servers following the Go client send a plain string. Both decode.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Platform {
    /// A plain description, e.g. `"macOS 14.5"`.
    Name(String),
    /// Operating system and version.
    Details(PlatformDetails),
}

model! {
    /// Operating system and version of a device.
    pub struct PlatformDetails {
        /// Operating system, e.g. `Windows`.
        pub os: String,
        /// Its version, e.g. `11`.
        pub version: String,
    }
}

model! {
    /// A device of a user.
    pub struct Device {
        /// Id (UUID).
        pub id: String,
        /// Id of the owning user.
        pub user_id: String,
        /// The client's own UUID.
        #[serde(rename = "clientUUID")]
        pub client_uuid: String,
        /// Name.
        pub name: String,
        /// Description.
        pub description: String,
        /// IPv4 address inside Cloud Connexa.
        pub ip_v4_address: String,
        /// IPv6 address inside Cloud Connexa.
        pub ip_v6_address: String,
        /// Platform, when the service knows it.
        pub platform: Option<Platform>,
        /// Connection state.
        pub connection_status: Option<ConnectionStatus>,
    }
}

model! {
    /// Body of a device create or update; `name` is required.
    pub struct DeviceRequest {
        /// Name (required).
        pub name: String,
        /// Description.
        pub description: Option<String>,
        /// The client's UUID (the service generates one when absent).
        #[serde(rename = "clientUUID")]
        pub client_uuid: Option<String>,
    }
}

impl DeviceRequest {
    /// A device named `name`.
    pub fn new(name: impl Into<String>) -> DeviceRequest {
        DeviceRequest {
            name: name.into(),
            ..DeviceRequest::default()
        }
    }
}

const PATH: &str = "/devices";

/// Devices service (`client.devices()`). Ids are checked as for every service
/// (`InvalidInput` for empty or `..`, nothing sent); a device of another user is 404.
#[derive(Debug, Clone, Copy)]
pub struct Devices<'a> {
    client: &'a Client,
}

impl<'a> Devices<'a> {
    /// One page of devices, of one user when `user_id` is given (`GET /devices`).
    pub fn list(&self, user_id: Option<&str>, page: PageRequest) -> Result<Page<Device>> {
        let filter = user_id.map(|id| ("userId", id));
        fetch_page(self.client, "getDevices", PATH, filter, page)
    }

    /// Every device (of one user when `user_id` is given), in pages of 1000; see [`Pager`].
    pub fn iter(&self, user_id: Option<&str>) -> Pager<'a, Device> {
        pager(
            self.client,
            "getDevices",
            PATH,
            user_id.map(|id| ("userId", id.to_string())),
        )
    }

    /// Every device (of one user when `user_id` is given), or the first error.
    pub fn list_all(&self, user_id: Option<&str>) -> Result<Vec<Device>> {
        self.iter(user_id).collect()
    }

    /// Device `id` of user `user_id` (`GET /devices/{id}?userId=`).
    pub fn get(&self, user_id: &str, id: &str) -> Result<Device> {
        let call = Call::get("getDevice", item_path(PATH, id)?).query("userId", query_id("userId", user_id)?);
        self.client.call_json(call)
    }

    /// Create a device for user `user_id` (`POST /devices?userId=`, 201).
    pub fn create(&self, user_id: &str, body: &DeviceRequest) -> Result<Device> {
        let call = Call::post("createDevice", PATH).query("userId", query_id("userId", user_id)?);
        self.client.call_json(call.json(body)?)
    }

    /// Update device `id` of user `user_id` (`PUT /devices/{id}?userId=`).
    pub fn update(&self, user_id: &str, id: &str, body: &DeviceRequest) -> Result<Device> {
        let call = Call::put("updateDevice", item_path(PATH, id)?).query("userId", query_id("userId", user_id)?);
        self.client.call_json(call.json(body)?)
    }

    /// Delete device `id` of user `user_id` (`DELETE /devices/{id}?userId=`, 204).
    pub fn delete(&self, user_id: &str, id: &str) -> Result<()> {
        let call = Call::delete("deleteDevice", item_path(PATH, id)?).query("userId", query_id("userId", user_id)?);
        self.client.call_unit(call)
    }

    /// Generate an OpenVPN profile for the device in region `region_id`
    /// (`POST /devices/{id}/profile?userId=&regionId=`): the `.ovpn` text.
    /// An unknown region is 400.
    pub fn generate_profile(&self, user_id: &str, id: &str, region_id: &str) -> Result<String> {
        let call = Call::post("generateDeviceProfile", item_sub_path(PATH, id, "profile")?)
            .query("userId", query_id("userId", user_id)?)
            .query("regionId", query_id("regionId", region_id)?);
        self.client.call_text(call).map(unquote)
    }

    /// Revoke the device's profiles (`DELETE /devices/{id}/profile?userId=`); the
    /// service's confirmation text.
    pub fn revoke_profile(&self, user_id: &str, id: &str) -> Result<String> {
        let call = Call::delete("revokeDeviceProfile", item_sub_path(PATH, id, "profile")?)
            .query("userId", query_id("userId", user_id)?);
        self.client.call_text(call).map(unquote)
    }
}

impl Client {
    /// Devices (`/devices`).
    pub fn devices(&self) -> Devices<'_> {
        Devices { client: self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_is_a_string_or_an_object() {
        let d: Device = serde_json::from_str(r#"{"id":"d","platform":"macOS 14"}"#).unwrap();
        assert_eq!(d.platform, Some(Platform::Name("macOS 14".into())));
        let d: Device = serde_json::from_str(r#"{"id":"d","platform":{"os":"Windows","version":"11"}}"#).unwrap();
        let details = PlatformDetails {
            os: "Windows".into(),
            version: "11".into(),
        };
        assert_eq!(d.platform, Some(Platform::Details(details)));
        let d: Device = serde_json::from_str(r#"{"id":"d","platform":null,"clientUUID":"u"}"#).unwrap();
        assert_eq!((d.platform, d.client_uuid.as_str()), (None, "u"));
    }

    #[test]
    fn request_uses_the_api_spelling() {
        let r = DeviceRequest {
            client_uuid: Some("u".into()),
            ..DeviceRequest::new("laptop")
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"name":"laptop","clientUUID":"u"}"#
        );
    }
}
