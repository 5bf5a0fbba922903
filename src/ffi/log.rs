//! The process-wide log callback: the library's `log` records are forwarded to C.

use std::ffi::c_void;
use std::sync::OnceLock;

use parking_lot::RwLock;

use super::boundary::guard;
use super::code::ccx_code;
use super::config::{UserData, ccx_userdata_free_fn};
use super::error::ccx_error;
use super::types::ccx_str;

/// Log levels, most severe first.
#[repr(u32)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ccx_log_level {
    /// Something failed (a call, a token request).
    Error = 1,
    /// Worth attention: breaker changes, fallbacks, retry-budget exhaustion, token failures.
    Warn = 2,
    /// Notable but expected events; quiet in steady state.
    Info = 3,
    /// Details for debugging: retries and their reasons.
    Debug = 4,
    /// Every request; verbose.
    Trace = 5,
}

/// One log line, borrowed for the duration of the callback. Never contains the client
/// secret, a token or an `Authorization` header. Fields may be added at the end later.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct ccx_log_record {
    /// Severity of the line.
    pub level: ccx_log_level,
    /// The module that logged (e.g. `cloudconnexa`).
    pub target: ccx_str,
    /// The text of the line (UTF-8, not NUL-terminated).
    pub message: ccx_str,
}

/// The log callback: `userdata` first. May be called concurrently from any thread that
/// makes calls; must be thread-safe, quick, must not unwind and must not call `ccx_*`
/// functions that log.
#[allow(non_camel_case_types)]
pub type ccx_log_fn = Option<extern "C" fn(userdata: *mut c_void, record: *const ccx_log_record)>;

struct Sink {
    max: ccx_log_level,
    cb: extern "C" fn(userdata: *mut c_void, record: *const ccx_log_record),
    data: UserData,
}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);

struct Forward;

/// Lines worth forwarding: the library's own at any level, its dependencies' only at
/// info and above. (The HTTP layer, ureq, dumps raw request bytes, `Authorization`
/// header included, at debug and trace: those must never reach the host's log.)
fn forwarded(m: &log::Metadata) -> bool {
    m.target().starts_with("cloudconnexa") || m.level() <= log::Level::Info
}

impl log::Log for Forward {
    fn enabled(&self, m: &log::Metadata) -> bool {
        forwarded(m) && SINK.read().as_ref().is_some_and(|s| level(m.level()) <= s.max)
    }

    fn log(&self, r: &log::Record) {
        if !forwarded(r.metadata()) {
            return;
        }
        let sink = SINK.read();
        let Some(s) = sink.as_ref() else { return };
        let lvl = level(r.level());
        if lvl > s.max {
            return;
        }
        let msg = r.args().to_string();
        let rec = ccx_log_record {
            level: lvl,
            target: ccx_str::of(r.target()),
            message: ccx_str::of(&msg),
        };
        (s.cb)(s.data.ptr, &rec);
    }

    fn flush(&self) {}
}

fn level(l: log::Level) -> ccx_log_level {
    match l {
        log::Level::Error => ccx_log_level::Error,
        log::Level::Warn => ccx_log_level::Warn,
        log::Level::Info => ccx_log_level::Info,
        log::Level::Debug => ccx_log_level::Debug,
        log::Level::Trace => ccx_log_level::Trace,
    }
}

/// Send the library's log lines at `max_level` and above to `callback(userdata, record)`.
/// Process-wide: one callback for every client; a later call replaces it. If the process
/// already has another Rust logger installed nothing changes.
///
/// Parameters: `max_level` is a `ccx_log_level` (1..=5). `callback` is required. `userdata`
/// is passed to `callback` untouched and may be NULL. `free_userdata` may be NULL (nothing
/// to release).
///
/// Ownership: the library holds `userdata` until the callback is replaced
/// (`ccx_set_logger`) or removed (`ccx_clear_logger`); then `free_userdata(userdata)` runs
/// once, on the thread making that call. If this function fails, `free_userdata` is not
/// called.
///
/// Thread safety: safe from any thread, but not from inside a log callback (it waits for
/// running callbacks to return). `callback` is called concurrently from every thread that
/// calls the library, and from the library's token thread; it must be thread-safe, quick,
/// must not unwind and must not call `ccx_*` functions that log.
///
/// Returns: `CCX_CODE_OK`; `CCX_CODE_NULL_PARAMETER` for a NULL `callback`;
/// `CCX_CODE_INVALID_PARAMETER` for a `max_level` outside 1..=5 or when another logger is
/// installed.
///
/// # Safety
/// `callback` must be a valid function; `userdata` is passed through untouched.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccx_set_logger(
    max_level: u32,
    callback: ccx_log_fn,
    userdata: *mut c_void,
    free_userdata: ccx_userdata_free_fn,
) -> ccx_code {
    guard(std::ptr::null_mut(), || {
        let cb = callback.ok_or_else(|| ccx_error::null("callback"))?;
        let max = match max_level {
            1 => ccx_log_level::Error,
            2 => ccx_log_level::Warn,
            3 => ccx_log_level::Info,
            4 => ccx_log_level::Debug,
            5 => ccx_log_level::Trace,
            other => return Err(ccx_error::invalid(format!("log level {other} is not 1..=5"))),
        };
        static INSTALLED: OnceLock<bool> = OnceLock::new();
        let ok = *INSTALLED.get_or_init(|| log::set_boxed_logger(Box::new(Forward)).is_ok());
        if !ok {
            return Err(ccx_error::invalid(
                "another logger is already installed in this process",
            ));
        }
        log::set_max_level(log::LevelFilter::Trace);
        let old = SINK.write().replace(Sink {
            max,
            cb,
            data: UserData {
                ptr: userdata,
                free: free_userdata,
            },
        });
        drop(old);
        Ok(())
    })
}

/// Stop forwarding log lines. Safe to call when no logger is set.
///
/// Parameters: none.
///
/// Ownership: the current `free_userdata(userdata)` runs, on this thread, before it
/// returns.
///
/// Thread safety: safe from any thread, but not from inside a log callback; it waits for
/// running callbacks to return.
///
/// Returns: nothing.
#[unsafe(no_mangle)]
pub extern "C" fn ccx_clear_logger() {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(SINK.write().take())));
}

#[cfg(test)]
mod tests {
    use super::forwarded;

    fn meta(target: &str, level: log::Level) -> log::Metadata<'_> {
        log::Metadata::builder().target(target).level(level).build()
    }

    #[test]
    fn raw_http_dumps_never_reach_the_callback() {
        assert!(!forwarded(&meta("ureq_proto::util", log::Level::Trace)));
        assert!(!forwarded(&meta("ureq::unversioned::transport", log::Level::Debug)));
        assert!(forwarded(&meta("ureq", log::Level::Warn)));
        assert!(forwarded(&meta("cloudconnexa", log::Level::Trace)));
    }
}
