//! Quick start: list the networks of a Cloud Connexa tenant.
//!
//! This example starts the local emulator (`cloudconnexa-mock`) in-process so it runs
//! anywhere: `cargo run --example quickstart`. Against the real service, build the
//! client with `.cloud_id("your-tenant")` (or `Client::from_env()`) and your API key.

use cloudconnexa::Client;
use cloudconnexa::models::PageRequest;
use cloudconnexa_mock::{MockOptions, MockServer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = MockServer::start(MockOptions::default())?;

    // One client per API key, shared by every thread of the program.
    let client = Client::builder()
        .api_url(server.base_url()) // real service: .cloud_id("acme")
        .allow_insecure_http(true) // the emulator speaks plain http on 127.0.0.1
        .client_id(server.client_id())
        .client_secret(server.client_secret())
        .build()?;

    // One page of the list…
    let page = client.networks().list(PageRequest::first(5))?;
    println!("{} networks; the first {}:", page.total_elements, page.content.len());
    for network in &page.content {
        println!("  {}  {}", network.id, network.name);
    }

    // …or every network, fetched lazily page by page.
    let mut names = Vec::new();
    for network in client.networks().iter() {
        names.push(network?.name);
    }
    println!("all {} names: {}", names.len(), names.join(", "));
    Ok(())
}
