//! Progress of a bench run on stderr: a bar on a terminal, a plain line every 10 %
//! otherwise (logs and CI get no escape codes). Fed from the count of finished calls,
//! which is used for nothing else.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    total: u64,
    /// Next tenth to print in plain mode (1..=10); a line is printed for the highest tenth reached.
    next_tenth: u64,
}

impl Progress {
    pub fn new(total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} calls  {per_sec}  {elapsed_precise}")
            {
                b.set_style(style);
            }
            b
        });
        Progress {
            bar,
            total: total.max(1),
            next_tenth: 1,
        }
    }

    /// `done` calls have finished.
    pub fn update(&mut self, done: u64) {
        if let Some(b) = &self.bar {
            b.set_position(done);
            return;
        }
        let tenth = (done.min(self.total) * 10 / self.total).min(10);
        if tenth >= self.next_tenth {
            let _ = writeln!(
                std::io::stderr().lock(),
                "ccx bench: {:>3} % ({done}/{} calls)",
                tenth * 10,
                self.total
            );
            self.next_tenth = tenth + 1;
        }
    }

    pub fn finish(&mut self, done: u64) {
        self.update(done);
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}
