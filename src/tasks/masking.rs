//! Secret masking of a task's log lines: every line passes through a forwarder that replaces
//! the secret values revealed while rendering the task with `******`.

use std::collections::BTreeSet;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::runner::LogLine;
use crate::template::mask;

/// Capacity of the channel between the runner and the masking forwarder.
const MASKED_CHANNEL: usize = 256;

/// A sender whose lines reach `logs` with `secrets` masked, and the forwarder's handle (it ends
/// once every clone of the returned sender is dropped).
pub(crate) fn masked_logs(
    logs: mpsc::Sender<LogLine>,
    secrets: BTreeSet<String>,
) -> (mpsc::Sender<LogLine>, JoinHandle<()>) {
    let (sender, mut receiver) = mpsc::channel::<LogLine>(MASKED_CHANNEL);
    let forwarder = tokio::spawn(async move {
        while let Some(mut line) = receiver.recv().await {
            if !secrets.is_empty() {
                line.message = mask(&line.message, &secrets);
            }
            if logs.send(line).await.is_err() {
                break;
            }
        }
    });
    (sender, forwarder)
}

/// `text` with `secrets` masked.
pub(crate) fn masked(text: &str, secrets: &BTreeSet<String>) -> String {
    mask(text, secrets)
}
