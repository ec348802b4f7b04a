//! Notices a change of this machine's network (a route or an address came or
//! went), so a host that is down is tried at once instead of at its backoff.

use std::time::Duration;

/// How often a host that is down looks for a change of the network: two
/// small reads from `/proc`, so a returning link is used within seconds.
const NETWORK_POLL: Duration = Duration::from_secs(2);

/// Returns when this machine's routes or addresses change (a network came
/// or went: worth trying at once). Polls cheaply; never returns where the
/// kernel does not show them (no `/proc`).
pub async fn change() {
    let first = network_now().await;
    loop {
        tokio::time::sleep(NETWORK_POLL).await;
        if network_now().await != first {
            return;
        }
    }
}

/// The IPv4 routes and IPv6 addresses, as the kernel lists them.
async fn network_now() -> Vec<u8> {
    tokio::task::spawn_blocking(|| {
        ["/proc/net/route", "/proc/net/if_inet6"]
            .iter()
            .flat_map(|f| std::fs::read(f).unwrap_or_default())
            .collect()
    })
    .await
    .unwrap_or_default()
}
