//! Where the API is and who we are: the connection flags every command that talks to
//! a real account shares, with their `CLOUDCONNEXA_*` environment fallbacks.

use clap::Args;
use cloudconnexa::ClientBuilder;

use crate::failure::{CmdResult, Failure};

/// Connection flags; each falls back to its environment variable.
#[derive(Args, Debug, Clone, Default)]
pub struct ConnArgs {
    /// API base URL, e.g. https://acme.api.openvpn.com (plain http only to loopback).
    #[arg(long, env = "CLOUDCONNEXA_API_URL", global = true, hide_env_values = true)]
    pub api_url: Option<String>,
    /// Tenant name: https://<CLOUD_ID>.api.openvpn.com (when no API URL is given).
    #[arg(long, env = "CLOUDCONNEXA_CLOUD_ID", global = true, hide_env_values = true)]
    pub cloud_id: Option<String>,
    /// API client id.
    #[arg(long, env = "CLOUDCONNEXA_CLIENT_ID", global = true, hide_env_values = true)]
    pub client_id: Option<String>,
    /// API client secret (prefer the environment variable: flags show up in `ps`).
    #[arg(long, env = "CLOUDCONNEXA_CLIENT_SECRET", global = true, hide_env_values = true)]
    pub client_secret: Option<String>,
    /// Also trust this PEM CA file (e.g. the emulator's with --tls).
    #[arg(long, env = "CLOUDCONNEXA_CA_FILE", global = true, hide_env_values = true)]
    pub ca_file: Option<std::path::PathBuf>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ConnArgs {
    /// True when an account was named (URL or cloud id), by flag or environment.
    pub fn names_an_account(&self) -> bool {
        given(&self.api_url).is_some() || given(&self.cloud_id).is_some()
    }

    /// A builder for the named account, or a clear error naming what is missing.
    pub fn builder(&self) -> CmdResult<ClientBuilder> {
        let mut b = ClientBuilder::new().allow_insecure_http(true);
        b = match (given(&self.api_url), given(&self.cloud_id)) {
            (Some(url), _) => b.api_url(url),
            (None, Some(id)) => b.cloud_id(id),
            (None, None) => {
                return Err(Failure::new(
                    "missing credentials: no API URL (set CLOUDCONNEXA_API_URL or CLOUDCONNEXA_CLOUD_ID, \
                     or pass --api-url or --cloud-id)",
                ));
            }
        };
        let Some(id) = given(&self.client_id) else {
            return Err(Failure::new(
                "missing credentials: no client id (set CLOUDCONNEXA_CLIENT_ID or pass --client-id)",
            ));
        };
        let Some(secret) = given(&self.client_secret) else {
            return Err(Failure::new(
                "missing credentials: no client secret (set CLOUDCONNEXA_CLIENT_SECRET or pass --client-secret)",
            ));
        };
        b = b.client_id(id).client_secret(secret);
        if let Some(path) = &self.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| Failure::new(format!("cannot read CA file {}: {e}", path.display())))?;
            b = b.add_ca_pem(pem);
        }
        Ok(b)
    }
}
