//! `Failure`: what a command that went wrong leaves behind, a one-line message and
//! the process exit code. `main` prints it as `ccx: <message>`.

/// Exit code of a failed call, missing credentials, an unreadable file…
pub const EXIT_FAILURE: i32 = 1;
/// Exit code of `ccx bench` when the error rate is above `--max-error-rate`.
pub const EXIT_ERROR_RATE: i32 = 3;

/// A failed command.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

impl Failure {
    /// A failure with exit code 1.
    pub fn new(message: impl Into<String>) -> Failure {
        Failure {
            code: EXIT_FAILURE,
            message: message.into(),
        }
    }
}

/// The library's error text, plus the fields the service named in `errorDetails`
/// (`name: must not be blank`), still on one line.
impl From<cloudconnexa::Error> for Failure {
    fn from(e: cloudconnexa::Error) -> Failure {
        let mut msg = e.to_string();
        if let Some(body) = e.api_error() {
            let details: Vec<String> = body
                .error_details
                .iter()
                .flat_map(|(field, ds)| {
                    ds.iter()
                        .map(move |d| format!("{field}: {}", d.message.as_deref().unwrap_or("invalid")))
                })
                .collect();
            if !details.is_empty() {
                msg = format!("{msg} ({})", details.join("; "));
            }
        }
        Failure::new(msg)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::new(e.to_string())
    }
}

/// Result of a command.
pub type CmdResult<T = ()> = Result<T, Failure>;
