//! A spinner on stderr that only appears when a step takes longer than a second.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Debug)]
pub struct Spinner {
    bar: ProgressBar,
    reveal: tokio::task::JoinHandle<()>,
}

impl Spinner {
    pub fn start(message: String) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(message);
        let b = bar.clone();
        let reveal = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            b.set_draw_target(ProgressDrawTarget::stderr());
            b.enable_steady_tick(Duration::from_millis(120));
        });
        Self { bar, reveal }
    }

    pub fn set(&self, message: String) {
        self.bar.set_message(message);
    }

    pub fn finish(self) {
        self.reveal.abort();
        self.bar.finish_and_clear();
    }
}
