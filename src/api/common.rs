//! Enums and sub-models shared by several resource families.

use super::macros::{api_enum, model};

api_enum! {
    /// How a network, host or user group reaches the internet.
    pub enum InternetAccess {
        /// Only traffic to private routes goes through Cloud Connexa (the default).
        SplitTunnelOn = "SPLIT_TUNNEL_ON",
        /// All traffic goes through Cloud Connexa.
        SplitTunnelOff = "SPLIT_TUNNEL_OFF",
        /// No internet access.
        RestrictedInternet = "RESTRICTED_INTERNET",
    }
}

api_enum! {
    /// Tunnel protocol of a network and its connectors.
    pub enum TunnelingProtocol {
        /// OpenVPN (the default).
        OpenVpn = "OPENVPN",
        /// IPsec (connectors carry an `ipSecConfig`).
        IpSec = "IPSEC",
    }
}

api_enum! {
    /// Connection state of a connector, user or device.
    pub enum ConnectionStatus {
        /// Connected.
        Online = "ONLINE",
        /// Not connected.
        Offline = "OFFLINE",
        /// Connected, with problems.
        OnlineWithIssues = "ONLINE_WITH_ISSUES",
    }
}

api_enum! {
    /// Kind of the parent of a connector, service or application.
    pub enum NetworkItemType {
        /// A network.
        Network = "NETWORK",
        /// A host.
        Host = "HOST",
    }
}

api_enum! {
    /// Kind of a route.
    pub enum RouteType {
        /// An IPv4 subnet.
        IpV4 = "IP_V4",
        /// An IPv6 subnet.
        IpV6 = "IP_V6",
        /// A domain name (application routes).
        Domain = "DOMAIN",
    }
}

api_enum! {
    /// A predefined service of an IP service or application.
    pub enum ServiceType {
        /// Any protocol and port.
        Any = "ANY",
        /// The ones in `customServiceTypes`.
        Custom = "CUSTOM",
        /// BGP.
        Bgp = "BGP",
        /// DHCP.
        Dhcp = "DHCP",
        /// DNS.
        Dns = "DNS",
        /// FTP.
        Ftp = "FTP",
        /// HTTP.
        Http = "HTTP",
        /// HTTPS.
        Https = "HTTPS",
        /// IMAP.
        Imap = "IMAP",
        /// IMAPS.
        Imaps = "IMAPS",
        /// NTP.
        Ntp = "NTP",
        /// POP3.
        Pop3 = "POP3",
        /// POP3S.
        Pop3s = "POP3S",
        /// SMTP.
        Smtp = "SMTP",
        /// SMTPS.
        Smtps = "SMTPS",
        /// SNMP.
        Snmp = "SNMP",
        /// SSH.
        Ssh = "SSH",
        /// Telnet.
        Telnet = "TELNET",
        /// TFTP.
        Tftp = "TFTP",
    }
}

api_enum! {
    /// IP protocol of a custom service type.
    pub enum Protocol {
        /// TCP.
        Tcp = "TCP",
        /// UDP.
        Udp = "UDP",
        /// ICMP (uses `icmpType` instead of `port`).
        Icmp = "ICMP",
    }
}

api_enum! {
    /// When users must authenticate to connect (user groups and the default setting).
    pub enum ConnectAuth {
        /// Never asked again after the profile is installed.
        NoAuth = "NO_AUTH",
        /// Only if not authenticated recently.
        OnPriorAuth = "ON_PRIOR_AUTH",
        /// On every connection.
        EveryTime = "EVERY_TIME",
    }
}

model! {
    /// A port or ICMP type: either one `value` or the range `lowerValue..=upperValue`.
    pub struct RangeInteger {
        /// A single value.
        pub value: Option<i32>,
        /// Start of a range (inclusive).
        pub lower_value: Option<i32>,
        /// End of a range (inclusive).
        pub upper_value: Option<i32>,
    }
}

impl RangeInteger {
    /// One value, e.g. port 443.
    pub fn single(value: i32) -> RangeInteger {
        RangeInteger {
            value: Some(value),
            ..RangeInteger::default()
        }
    }

    /// The range `lower..=upper`.
    pub fn range(lower: i32, upper: i32) -> RangeInteger {
        RangeInteger {
            value: None,
            lower_value: Some(lower),
            upper_value: Some(upper),
        }
    }
}

model! {
    /// A custom protocol/port set of a service config.
    pub struct CustomServiceType {
        /// Protocol (the service assumes TCP when absent).
        pub protocol: Option<Protocol>,
        /// Ports (TCP/UDP).
        pub port: Vec<RangeInteger>,
        /// ICMP types (ICMP).
        pub icmp_type: Vec<RangeInteger>,
    }
}

model! {
    /// Which traffic an IP service or application covers. An empty config means
    /// `ANY` to the service.
    pub struct ServiceConfig {
        /// Predefined services.
        pub service_types: Vec<ServiceType>,
        /// Custom protocol/port sets.
        pub custom_service_types: Vec<CustomServiceType>,
    }
}

impl ServiceConfig {
    /// A config covering the given predefined services.
    pub fn of(types: &[ServiceType]) -> ServiceConfig {
        ServiceConfig {
            service_types: types.to_vec(),
            custom_service_types: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_enum_values_do_not_break_decoding() {
        let v: Vec<InternetAccess> = serde_json::from_str(r#"["SPLIT_TUNNEL_OFF","SOMETHING_NEW"]"#).unwrap();
        assert_eq!(v, vec![InternetAccess::SplitTunnelOff, InternetAccess::Unknown]);
        assert_eq!(serde_json::to_string(&RouteType::IpV6).unwrap(), "\"IP_V6\"");
        assert_eq!(ServiceType::from_wire("POP3S"), ServiceType::Pop3s);
        assert_eq!(ServiceType::ALL.len(), 19);
        assert_eq!(TunnelingProtocol::IpSec.to_string(), "IPSEC");
    }

    #[test]
    fn models_tolerate_nulls_and_skip_nones() {
        let c: ServiceConfig =
            serde_json::from_str(r#"{"serviceTypes":null,"customServiceTypes":[{"protocol":"UDP","port":[{"value":53}],"icmpType":null,"new":1}]}"#)
                .unwrap();
        assert!(c.service_types.is_empty());
        assert_eq!(c.custom_service_types[0].port, vec![RangeInteger::single(53)]);
        assert_eq!(
            serde_json::to_string(&RangeInteger::range(1, 2)).unwrap(),
            r#"{"lowerValue":1,"upperValue":2}"#
        );
    }
}
