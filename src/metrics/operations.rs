//! Every operation name the client can report: the spec's operationIds (the token
//! request included), the v1.2 extras and `raw`. Metrics are kept in a fixed table
//! indexed by these, so recording never takes a lock.

/// All known operation names, sorted.
pub const OPERATIONS: &[&str] = &[
    "activateHostConnector",
    "activateNetworkConnector",
    "activateUser",
    "addAccessGroupDestination",
    "addAccessGroupSource",
    "allowListAddDomains",
    "allowListRemoveDomains",
    "blockListAddDomains",
    "blockListRemoveDomains",
    "create",
    "createAccessGroup",
    "createApplication",
    "createApplication_1",
    "createConnector",
    "createConnector_1",
    "createDevice",
    "createDnsRecord",
    "createHost",
    "createNetwork",
    "createNetworkRoute",
    "createService",
    "createService_1",
    "createUser",
    "createUserGroup",
    "create_1",
    "delete",
    "deleteAccessGroup",
    "deleteAccessGroupDestination",
    "deleteAccessGroupSource",
    "deleteApplication",
    "deleteApplication_1",
    "deleteConnector",
    "deleteConnector_1",
    "deleteDevice",
    "deleteDnsRecord",
    "deleteHost",
    "deleteNetwork",
    "deleteNetworkRoute",
    "deleteService",
    "deleteService_1",
    "deleteUser",
    "deleteUserGroup",
    "delete_1",
    "disableAccessVisibility",
    "disableDnsLog",
    "enableAccessVisibility",
    "enableDnsLog",
    "encryptConnectorProfile",
    "encryptConnectorProfile_1",
    "generateConnectorProfile",
    "generateConnectorProfile_1",
    "generateDeviceProfile",
    "get",
    "getAccessGroupsPage",
    "getAccessGroupsPage_1",
    "getAccessVisibilityEnabled",
    "getApplication",
    "getApplication_1",
    "getApplicationsPage",
    "getApplicationsPage_1",
    "getBundledApp",
    "getBundledApp_1",
    "getClientOptions",
    "getConnectionTimeout",
    "getConnector",
    "getConnector_1",
    "getConnectors",
    "getConnectorsPage",
    "getDefaultConnectAuth",
    "getDefaultDnsSuffix",
    "getDefaultRegion",
    "getDevice",
    "getDeviceAllowancePerUser",
    "getDeviceEnforcementLevel",
    "getDevices",
    "getDnsLogEnabled",
    "getDnsProxyEnabled",
    "getDnsRecord",
    "getDnsServerAddresses",
    "getDnsZones",
    "getDomainRoutingSubnet",
    "getForceUpdateDeviceAllowance",
    "getHost",
    "getHostsPage",
    "getIpAllocationMode",
    "getIpServicesPage",
    "getIpServicesPage_1",
    "getLdapGroupMappings",
    "getNetwork",
    "getNetworkRoute",
    "getNetworkRoutesPage",
    "getNetworksPage",
    "getPageOfDnsRecords",
    "getProfileDistribution",
    "getRoutesAdvancedConfigurationEnabled",
    "getSamlGroupMappings",
    "getService",
    "getService_1",
    "getSessions",
    "getSnat",
    "getSubnet",
    "getTopology",
    "getTrustedDevicesAllowed",
    "getTwoFactorAuthEnabled",
    "getUser",
    "getUserDnsResolutions",
    "getUserGroup",
    "getUserGroupsPage",
    "getUsers",
    "getVpnRegions",
    "get_1",
    "get_2",
    "get_3",
    "raw",
    "requestToken",
    "revokeConnectorProfile",
    "revokeConnectorProfile_1",
    "revokeDeviceProfile",
    "setClientOptions",
    "setConnectionTimeout",
    "setDefaultConnectAuth",
    "setDefaultDnsSuffix",
    "setDefaultRegion",
    "setDeviceAllowancePerUser",
    "setDeviceEnforcementLevel",
    "setDnsProxyEnabled",
    "setDnsServerAddresses",
    "setDnsZones",
    "setDomainRoutingSubnet",
    "setForceUpdateDeviceAllowance",
    "setIpAllocationMode",
    "setProfileDistribution",
    "setRoutesAdvancedConfigurationEnabled",
    "setSnat",
    "setSubnet",
    "setTopology",
    "setTrustedDevicesAllowed",
    "setTwoFactorAuthEnabled",
    "startIpSecConnection",
    "stopIpSecConnection",
    "suspendHostConnector",
    "suspendNetworkConnector",
    "suspendUser",
    "update",
    "updateAccessGroup",
    "updateApplication",
    "updateApplication_1",
    "updateConnector",
    "updateConnector_1",
    "updateDevice",
    "updateDnsRecord",
    "updateHost",
    "updateNetwork",
    "updateNetworkRoute",
    "updateService",
    "updateService_1",
    "updateUser",
    "updateUserGroup",
    "update_1",
];

/// Index of `op` in [`OPERATIONS`] (a binary search, no allocation); unknown names share
/// the last slot (reported as `other`).
pub fn index(op: &'static str) -> usize {
    // every call looks its operation up twice, nearly always the same name as the thread's
    // last lookup: remember that one by address (a `&'static str` never moves or changes)
    thread_local! {
        static LAST: std::cell::Cell<(usize, usize, usize)> = const { std::cell::Cell::new((0, 0, 0)) };
    }
    let key = (op.as_ptr() as usize, op.len());
    LAST.with(|last| {
        let (ptr, len, i) = last.get();
        if (ptr, len) == key && ptr != 0 {
            return i;
        }
        let i = OPERATIONS.binary_search(&op).unwrap_or(OPERATIONS.len());
        last.set((key.0, key.1, i));
        i
    })
}

/// Name of slot `i` (`other` for the overflow slot).
pub fn name(i: usize) -> &'static str {
    OPERATIONS.get(i).copied().unwrap_or("other")
}

/// Number of slots, the overflow slot included.
pub const SLOTS: usize = OPERATIONS.len() + 1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_and_indexed() {
        assert!(OPERATIONS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            OPERATIONS.len(),
            159,
            "144 spec operations (the token request among them), 14 v1.2 extras, raw"
        );
        assert_eq!(name(index("getNetworksPage")), "getNetworksPage");
        assert_eq!(name(index("no-such-op")), "other");
    }
}
