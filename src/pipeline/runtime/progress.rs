//! Progress bars for the long stages (sentiment inference and training, risk training), on
//! a terminal only.
//!
//! Bars are off unless `main.rs` turns them on ([`enable`]: stderr is a terminal, logs are
//! pretty, no `-q`); under Airflow or with `--log-format json` every bar is hidden and costs
//! nothing. Log lines go through [`LogWriter`], which lifts the bars while a line is written,
//! so bars never garble the log. The `text` and `risk` modules know nothing of this: they
//! take a plain callback, and the pipeline passes one that moves a [`Bar`].

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::io::Write;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Every visible bar, drawn on stderr.
static BARS: LazyLock<MultiProgress> = LazyLock::new(MultiProgress::new);

/// Turns progress bars on or off for this process (off by default).
pub fn enable(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// One progress bar; hidden when bars are off. Cleared from the terminal when dropped.
#[derive(Debug)]
pub struct Bar(ProgressBar);

impl Bar {
    /// A bar of `len` steps labelled `what` (e.g. "scoring texts").
    pub fn new(len: u64, what: &'static str) -> Self {
        if !enabled() {
            return Self(ProgressBar::hidden());
        }
        let style = ProgressStyle::with_template("{msg} [{bar:30}] {human_pos}/{human_len} ({eta})")
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        let bar = BARS.add(ProgressBar::new(len).with_style(style).with_message(what));
        bar.tick();
        Self(bar)
    }

    /// Moves the bar to `pos` steps done.
    pub fn set_position(&self, pos: u64) {
        self.0.set_position(pos);
    }

    /// Advances the bar by `n` steps.
    pub fn inc(&self, n: u64) {
        self.0.inc(n);
    }

    /// Changes the number of steps.
    pub fn set_length(&self, len: u64) {
        self.0.set_length(len);
    }

    /// Changes the label.
    pub fn set_message(&self, msg: String) {
        self.0.set_message(msg);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
        if enabled() {
            BARS.remove(&self.0);
        }
    }
}

/// Stderr for the log subscriber: while bars are on, each write (one whole log line) clears
/// them, writes, and redraws them below.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if enabled() {
            BARS.suspend(|| std::io::stderr().lock().write(buf))
        } else {
            std::io::stderr().lock().write(buf)
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if enabled() {
            BARS.suspend(|| std::io::stderr().lock().write_all(buf))
        } else {
            std::io::stderr().lock().write_all(buf)
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
