//! The manager's own work while an app runs: hosts with live sessions
//! connect, records are reconciled at once and reaped on an interval, and
//! jobs' last output times are read into the list.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::{Manager, ManagerError, ReapReport};

/// How often the list learns what jobs recorded: when they last printed
/// (every 5 s), what runs in them and a bell nobody saw (within a second).
/// A pass reads one small file per local job: cheap enough to do often,
/// and a bell shows within a few seconds.
const ACTIVITY_EVERY: Duration = Duration::from_secs(2);

/// What a pass of the reaper found, for whoever shows it.
#[derive(Debug)]
pub enum Upkeep {
    /// A pass ran; `first` is the start-up reconciliation.
    Pass { report: ReapReport, first: bool },
    /// A pass failed; the records may be stale.
    Failed { error: ManagerError, first: bool },
    /// What jobs recorded (output, what runs in them) changed rows.
    Activity,
}

impl Manager {
    /// Starts the reaper (the start-up reconciliation first, then a pass
    /// every `interval`) and activity reading on tasks of their own; each
    /// pass is reported on the returned channel. Both stop with the runtime.
    pub fn start_upkeep(self: &Arc<Self>, interval: Duration) -> mpsc::Receiver<Upkeep> {
        let (tx, rx) = mpsc::channel(8);
        let activity_tx = tx.clone();
        let mgr = self.clone();
        tokio::spawn(async move {
            // Hosts with live sessions (or deletes to carry out) connect now,
            // each on its own task, so their sessions come back without a key.
            if let Err(e) = mgr.connect_hosts() {
                tracing::warn!("connecting hosts: {e}");
            }
            let mut first = true;
            loop {
                let result = if first {
                    mgr.reconcile().await
                } else {
                    mgr.reap().await
                };
                let news = match result {
                    Ok(report) => {
                        if report != ReapReport::default() {
                            tracing::info!(?report, "reaper pass");
                        }
                        Upkeep::Pass { report, first }
                    }
                    Err(error) => {
                        tracing::warn!("reaper pass failed: {error}");
                        Upkeep::Failed { error, first }
                    }
                };
                // Nobody listening is no reason to stop keeping records.
                let _ = tx.send(news).await;
                first = false;
                tokio::time::sleep(interval).await;
            }
        });
        // Output is activity: LAST ACTIVE follows sessions that print, seen or not.
        let mgr = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(ACTIVITY_EVERY).await;
                if mgr.refresh_activity().await {
                    let _ = activity_tx.send(Upkeep::Activity).await;
                }
            }
        });
        rx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The start-up reconciliation is reported first, then a pass on every
    /// interval, for as long as the app runs.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reconciliation_first_then_a_pass_each_interval() {
        let f = super::super::tests::fixture();
        let mgr = Arc::new(f.mgr);
        let mut news = mgr.start_upkeep(Duration::from_millis(10));
        let patience = Duration::from_secs(30);
        let first = tokio::time::timeout(patience, news.recv()).await.unwrap();
        assert!(
            matches!(first, Some(Upkeep::Pass { first: true, .. })),
            "{first:?}"
        );
        for _ in 0..2 {
            let next = tokio::time::timeout(patience, news.recv()).await.unwrap();
            assert!(
                matches!(next, Some(Upkeep::Pass { first: false, .. })),
                "{next:?}"
            );
        }
    }
}
