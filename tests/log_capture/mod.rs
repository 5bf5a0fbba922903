//! The capturing logger of the integration tests that look at what the client writes to
//! the `log` facade (`observability_logs`, `security`): one global logger per test binary
//! that keeps every record of every target at trace level, with the thread that wrote it.

#![allow(dead_code)]

use std::sync::{Mutex, OnceLock};
use std::thread::ThreadId;

use log::Level;

/// One captured record.
#[derive(Debug, Clone)]
pub struct Line {
    pub thread: ThreadId,
    pub level: Level,
    pub target: String,
    pub text: String,
}

/// Every record captured so far, in order.
pub static LINES: Mutex<Vec<Line>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let line = Line {
            thread: std::thread::current().id(),
            level: record.level(),
            target: record.target().to_string(),
            text: record.args().to_string(),
        };
        LINES.lock().unwrap_or_else(|e| e.into_inner()).push(line);
    }
    fn flush(&self) {}
}

/// Install the capturing logger (once per test binary) at trace level.
pub fn capture() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        log::set_boxed_logger(Box::new(Capture)).expect("the only logger of this binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// Every record captured so far.
pub fn all_lines() -> Vec<Line> {
    LINES.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Records captured so far on the calling thread (the client logs on the caller's thread).
pub fn my_lines() -> Vec<Line> {
    let me = std::thread::current().id();
    all_lines().into_iter().filter(|l| l.thread == me).collect()
}
