//! Device postures (`/device-postures`): per-platform requirements a device must meet.

use super::crud::{Collection, resource};
use super::macros::{api_enum, model};
use crate::client::Client;

api_enum! {
    /// How a version requirement compares.
    pub enum VersionCondition {
        /// At least this version.
        Gte = "GTE",
        /// At most this version.
        Lte = "LTE",
        /// Exactly this version.
        Equal = "EQUAL",
    }
}

api_enum! {
    /// An antivirus product a posture may require.
    pub enum Antivirus {
        /// Avast.
        Avast = "AVAST",
        /// AVG.
        Avg = "AVG",
        /// Avira.
        Avira = "AVIRA",
        /// Bitdefender.
        Bitdefender = "BITDEFENDER",
        /// CrowdStrike Falcon.
        CrowdstrikeFalcon = "CROWDSTRIKE_FALCON",
        /// ESET.
        Eset = "ESET",
        /// Malwarebytes.
        Malwarebytes = "MALWAREBYTES",
        /// McAfee.
        Mcafee = "MCAFEE",
        /// Microsoft Defender.
        MicrosoftDefender = "MICROSOFT_DEFENDER",
        /// Norton.
        Norton = "NORTON",
        /// SentinelOne.
        SentinelOne = "SENTINEL_ONE",
    }
}

api_enum! {
    /// Which disks must be encrypted (Windows).
    pub enum DiskEncryptionType {
        /// The whole disk.
        FullDisk = "FULL_DISK",
        /// One volume (`volume`).
        SpecificVolume = "SPECIFIC_VOLUME",
    }
}

model! {
    /// A version requirement.
    pub struct VersionPolicy {
        /// Version, e.g. `10.0.19045`.
        pub version: String,
        /// Comparison.
        pub condition: Option<VersionCondition>,
    }
}

model! {
    /// Disk encryption requirement (Windows).
    pub struct DiskEncryption {
        /// Full disk or one volume (service default: full disk).
        #[serde(rename = "type")]
        pub encryption_type: Option<DiskEncryptionType>,
        /// The volume, e.g. `C:`.
        pub volume: Option<String>,
    }
}

model! {
    /// Windows requirements.
    pub struct WindowsPolicy {
        /// Whether Windows devices may connect at all.
        pub allowed: bool,
        /// Minimum/maximum/exact version.
        pub version: Option<VersionPolicy>,
        /// Accepted antivirus products (one must run).
        pub antiviruses: Vec<Antivirus>,
        /// Disk encryption.
        pub disk_encryption: Option<DiskEncryption>,
        /// Required certificate.
        pub certificate: Option<String>,
    }
}

model! {
    /// macOS requirements.
    pub struct MacOsPolicy {
        /// Whether macOS devices may connect at all.
        pub allowed: bool,
        /// Minimum/maximum/exact version.
        pub version: Option<VersionPolicy>,
        /// Accepted antivirus products.
        pub antiviruses: Vec<Antivirus>,
        /// Whether the disk must be encrypted.
        pub disk_encrypted: Option<bool>,
        /// Required certificate.
        pub certificate: Option<String>,
    }
}

model! {
    /// Requirements of a platform that only has an on/off switch (Linux, Android, iOS).
    pub struct PlatformPolicy {
        /// Whether devices of this platform may connect.
        pub allowed: bool,
    }
}

model! {
    /// A device posture.
    pub struct DevicePosture {
        /// Id (UUID).
        pub id: String,
        /// Name.
        pub name: String,
        /// Description.
        pub description: String,
        /// User groups it applies to.
        pub user_groups_ids: Vec<String>,
        /// Windows.
        pub windows: Option<WindowsPolicy>,
        /// macOS.
        pub macos: Option<MacOsPolicy>,
        /// Linux.
        pub linux: Option<PlatformPolicy>,
        /// Android.
        pub android: Option<PlatformPolicy>,
        /// iOS.
        pub ios: Option<PlatformPolicy>,
    }
}

model! {
    /// Body of a device posture create or update; `name` is required.
    pub struct DevicePostureRequest {
        /// Name (required).
        pub name: String,
        /// Description.
        pub description: Option<String>,
        /// User groups it applies to (always sent: on update they replace the old ones).
        pub user_groups_ids: Vec<String>,
        /// Windows.
        pub windows: Option<WindowsPolicy>,
        /// macOS.
        pub macos: Option<MacOsPolicy>,
        /// Linux.
        pub linux: Option<PlatformPolicy>,
        /// Android.
        pub android: Option<PlatformPolicy>,
        /// iOS.
        pub ios: Option<PlatformPolicy>,
    }
}

resource! {
    /// Marker of the device postures family.
    DevicePostureResource: item DevicePosture, create DevicePostureRequest, update DevicePostureRequest,
    path "/device-postures", ops ["get_2", "get_3", "create_1", "update_1", "delete_1"]
}

/// Device postures service: see [`Collection`]. Create and delete answer 200.
pub type DevicePostures<'a> = Collection<'a, DevicePostureResource>;

impl Client {
    /// Device postures (`/device-postures`).
    pub fn device_postures(&self) -> DevicePostures<'_> {
        Collection::new(self)
    }
}
