//! Progress on stderr: a spinner on a terminal, one plain line per step elsewhere (CI logs,
//! pipes), so a transaction or a watch never looks stuck and logs stay readable.

use indicatif::{ProgressBar, ProgressStyle};
use poco_client::TxProgress;
use poco_contracts::alloy::{primitives::B256, rpc::types::TransactionReceipt};
use std::{io::IsTerminal, time::Duration};

/// A spinner (on a terminal) or plain lines (elsewhere), on stderr.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Starts showing progress.
    pub(crate) fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .expect("the template is valid"),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Self { bar }
    }

    /// Shows what is happening now.
    pub(crate) fn step(&self, message: impl Into<String>) {
        let message = message.into();
        match &self.bar {
            Some(bar) => bar.set_message(message),
            None => eprintln!("{message}"),
        }
    }

    /// A line that stays (above the spinner on a terminal).
    pub(crate) fn note(&self, message: impl AsRef<str>) {
        match &self.bar {
            Some(bar) => bar.println(message.as_ref()),
            None => eprintln!("{}", message.as_ref()),
        }
    }

    /// Clears the spinner.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

impl TxProgress for Progress {
    fn preparing(&self, what: &str) {
        self.step(format!("{what}: checking and signing the transaction"));
    }

    fn sent(&self, what: &str, tx_hash: B256) {
        self.step(format!("{what}: sent {tx_hash}, waiting to be mined"));
    }

    fn mined(&self, what: &str, receipt: &TransactionReceipt) {
        self.note(format!(
            "✓ {what} (tx {}, block {}, gas {})",
            receipt.transaction_hash,
            receipt.block_number.unwrap_or_default(),
            receipt.gas_used
        ));
    }
}
