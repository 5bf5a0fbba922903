//! `compare-ureq`: raw ureq 3.5 (the HTTP layer under our client, same build: no default
//! features, rustls without ureq's own root store), the floor of what our client can cost.
//!
//! One `Agent` shared by every thread, with the keep-alive pool our client configures
//! (50 idle connections per host, 1000 in all, status codes not turned into errors, no
//! redirects); each request sends the headers an API client sends (`Authorization: Bearer`,
//! `Accept`) and reads the whole body into a `Vec`. Arguments and output: see the crate docs.

use std::time::Duration;

use ccx_compare::{Args, run};

fn main() {
    let args = Args::from_env();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_connect(Some(Duration::from_secs(5)))
        .max_idle_connections(1000)
        .max_idle_connections_per_host(50)
        .max_idle_age(Duration::from_secs(90))
        .build()
        .into();
    let auth = format!("Bearer {}", args.token);
    let report = run("ureq", &args, |t| {
        let (agent, url, auth) = (agent.clone(), args.url(t), auth.clone());
        move || {
            let mut r = agent
                .get(&url)
                .header("authorization", &auth)
                .header("accept", "application/json")
                .call()
                .map_err(|e| e.to_string())?;
            let status = r.status().as_u16();
            let body = r.body_mut().read_to_vec().map_err(|e| e.to_string())?;
            if status != 200 || body.is_empty() {
                return Err(format!("status {status} with {} body bytes", body.len()));
            }
            std::hint::black_box(body);
            Ok(())
        }
    });
    println!("{}", report.json());
}
