//! IPsec configuration of network connectors (networks with tunnelling protocol IPsec).

use super::macros::{api_enum, model};

api_enum! {
    /// Where the remote IPsec peer runs.
    pub enum IpSecPlatform {
        /// Amazon Web Services.
        Aws = "AWS",
        /// Cisco.
        Cisco = "CISCO",
        /// Microsoft Azure.
        Azure = "AZURE",
        /// Google Cloud.
        Gcp = "GCP",
        /// Anything else.
        Other = "OTHER",
    }
}

api_enum! {
    /// State of an IPsec connector.
    pub enum ConnectorState {
        /// Running.
        Active = "ACTIVE",
        /// Stopped or suspended.
        Suspended = "SUSPENDED",
    }
}

api_enum! {
    /// How the IPsec peers authenticate.
    pub enum AuthenticationType {
        /// A pre-shared key.
        SharedSecret = "SHARED_SECRET",
        /// Certificates.
        Certificate = "CERTIFICATE",
    }
}

api_enum! {
    /// IKE version.
    pub enum IkeVersion {
        /// IKEv1.
        IkeV1 = "IKE_V1",
        /// IKEv2.
        IkeV2 = "IKE_V2",
    }
}

api_enum! {
    /// What the connector does at start-up.
    pub enum StartupAction {
        /// Initiate the tunnel.
        Start = "START",
        /// Wait for the peer.
        Attach = "ATTACH",
    }
}

api_enum! {
    /// IKE encryption algorithm.
    pub enum EncryptionAlgorithm {
        /// AES-128.
        Aes128 = "AES128",
        /// AES-256.
        Aes256 = "AES256",
        /// AES-128-GCM with a 16-byte ICV.
        Aes128Gcm16 = "AES128_GCM_16",
        /// AES-256-GCM with a 16-byte ICV.
        Aes256Gcm16 = "AES256_GCM_16",
    }
}

api_enum! {
    /// IKE integrity algorithm.
    pub enum IntegrityAlgorithm {
        /// SHA-1.
        Sha1 = "SHA1",
        /// SHA-256.
        Sha2_256 = "SHA2_256",
        /// SHA-384.
        Sha2_384 = "SHA2_384",
        /// SHA-512.
        Sha2_512 = "SHA2_512",
    }
}

api_enum! {
    /// Diffie-Hellman group.
    pub enum DhGroup {
        /// Group 1.
        G1 = "G_1",
        /// Group 2.
        G2 = "G_2",
        /// Group 5.
        G5 = "G_5",
        /// Group 14.
        G14 = "G_14",
        /// Group 15.
        G15 = "G_15",
        /// Group 16.
        G16 = "G_16",
        /// Group 19.
        G19 = "G_19",
        /// Group 20.
        G20 = "G_20",
        /// Group 24.
        G24 = "G_24",
    }
}

api_enum! {
    /// What to do when the peer stops answering.
    pub enum DeadPeerHandling {
        /// Restart the tunnel.
        Restart = "RESTART",
        /// Nothing (the API's `NONE`).
        NoAction = "NONE",
    }
}

model! {
    /// Proposals of one IKE phase.
    pub struct IkePhase {
        /// Encryption algorithms.
        pub encryption_algorithms: Vec<EncryptionAlgorithm>,
        /// Integrity algorithms.
        pub integrity_algorithms: Vec<IntegrityAlgorithm>,
        /// Diffie-Hellman groups.
        pub diffie_hellman_groups: Vec<DhGroup>,
        /// Lifetime in seconds, e.g. 3600.
        pub lifetime_sec: Option<i32>,
    }
}

model! {
    /// Rekeying parameters.
    pub struct IkeRekey {
        /// Margin before expiry at which rekeying starts, in seconds (e.g. 270).
        pub margin_time_sec: Option<i32>,
        /// Random increase of the margin, in percent (e.g. 100).
        pub fuzz_percent: Option<i32>,
        /// Replay window in packets (e.g. 1024).
        pub replay_window_size: Option<i32>,
    }
}

model! {
    /// Dead peer detection.
    pub struct IkeDeadPeerDetection {
        /// Timeout in seconds (e.g. 30).
        pub timeout_sec: Option<i32>,
        /// What to do on timeout.
        pub dead_peer_handling: Option<DeadPeerHandling>,
    }
}

model! {
    /// IKE settings of an IPsec connector.
    pub struct IkeProtocol {
        /// IKE version.
        pub protocol_version: Option<IkeVersion>,
        /// Phase 1 proposals.
        pub phase1: Option<IkePhase>,
        /// Phase 2 proposals.
        pub phase2: Option<IkePhase>,
        /// Rekeying.
        pub rekey: Option<IkeRekey>,
        /// Dead peer detection.
        pub dead_peer_detection: Option<IkeDeadPeerDetection>,
        /// Start-up action.
        pub startup_action: Option<StartupAction>,
    }
}

model! {
    /// IPsec configuration of a connector, as the service returns it.
    pub struct IpSecConfig {
        /// Platform of the remote peer.
        pub platform: Option<IpSecPlatform>,
        /// Whether the IPsec connector is running.
        pub connector_state: Option<ConnectorState>,
        /// Authentication method.
        pub authentication_type: Option<AuthenticationType>,
        /// Public IP of the remote site.
        pub remote_site_public_ip: Option<String>,
        /// Pre-shared key.
        pub pre_shared_key: Option<String>,
        /// CA certificate (PEM).
        pub ca_certificate: Option<String>,
        /// File name of the CA certificate.
        pub ca_certificate_file_name: Option<String>,
        /// Peer certificate (PEM).
        pub peer_certificate: Option<String>,
        /// Remote gateway certificate (PEM).
        pub remote_gateway_certificate: Option<String>,
        /// Peer certificate private key (PEM).
        pub peer_certificate_private_key: Option<String>,
        /// Passphrase of that key.
        pub peer_certificate_key_passphrase: Option<String>,
        /// Id of the paired AWS connector.
        pub paired_aws_connector_id: Option<String>,
        /// IKE settings.
        pub ike_protocol: Option<IkeProtocol>,
        /// Id of the Cloud Connexa server terminating the tunnel.
        pub server_id: Option<String>,
        /// Public IP of that server (v1.2).
        pub server_ip: Option<String>,
        /// Host name.
        pub hostname: Option<String>,
        /// Domain.
        pub domain: Option<String>,
    }
}

model! {
    /// IPsec configuration sent with a connector create or update.
    pub struct IpSecConfigRequest {
        /// Platform of the remote peer.
        pub platform: Option<IpSecPlatform>,
        /// Authentication method.
        pub authentication_type: Option<AuthenticationType>,
        /// Public IP of the remote site.
        pub remote_site_public_ip: Option<String>,
        /// Pre-shared key.
        pub pre_shared_key: Option<String>,
        /// CA certificate (PEM).
        pub ca_certificate: Option<String>,
        /// Peer certificate (PEM).
        pub peer_certificate: Option<String>,
        /// Remote gateway certificate (PEM).
        pub remote_gateway_certificate: Option<String>,
        /// Peer certificate private key (PEM).
        pub peer_certificate_private_key: Option<String>,
        /// Passphrase of that key.
        pub peer_certificate_key_passphrase: Option<String>,
        /// IKE settings.
        pub ike_protocol: Option<IkeProtocol>,
        /// Host name.
        pub hostname: Option<String>,
        /// Domain.
        pub domain: Option<String>,
    }
}
