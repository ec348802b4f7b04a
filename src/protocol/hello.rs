//! The hello: fixed bytes that never change between versions, so any two
//! sessui builds can at least agree on whether they can talk.
//!
//! client -> server: MAGIC, min version (u16 BE), max version (u16 BE)
//! server -> client: MAGIC, chosen version (u16 BE, 0 = none), server min, server max

use tokio::io::{AsyncBufRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::{MAGIC, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, ProtocolError};

/// Bytes of noise (banners, shell start-up output) tolerated before the hello.
const MAX_NOISE: usize = 64 << 10;

/// Sends our hello and waits for the server's choice. Returns the version to speak.
pub async fn client_hello<R, W>(reader: &mut R, writer: &mut W) -> Result<u16, ProtocolError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut hello = Vec::with_capacity(12);
    hello.extend_from_slice(MAGIC);
    hello.extend_from_slice(&MIN_PROTOCOL_VERSION.to_be_bytes());
    hello.extend_from_slice(&PROTOCOL_VERSION.to_be_bytes());
    writer.write_all(&hello).await?;
    writer.flush().await?;

    skip_to_magic(reader).await?;
    let chosen = reader.read_u16().await.map_err(eof_is_no_hello)?;
    let theirs_min = reader.read_u16().await.map_err(eof_is_no_hello)?;
    let theirs_max = reader.read_u16().await.map_err(eof_is_no_hello)?;
    if chosen == 0 || !(MIN_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&chosen) {
        return Err(ProtocolError::VersionMismatch {
            ours_min: MIN_PROTOCOL_VERSION,
            ours_max: PROTOCOL_VERSION,
            theirs_min,
            theirs_max,
        });
    }
    Ok(chosen)
}

/// Reads a client's hello and answers it. Returns the version to speak.
pub async fn accept_hello<R, W>(reader: &mut R, writer: &mut W) -> Result<u16, ProtocolError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut magic = [0u8; MAGIC.len()];
    reader
        .read_exact(&mut magic)
        .await
        .map_err(eof_is_no_hello)?;
    if &magic != MAGIC {
        return Err(ProtocolError::NoHello);
    }
    let theirs_min = reader.read_u16().await.map_err(eof_is_no_hello)?;
    let theirs_max = reader.read_u16().await.map_err(eof_is_no_hello)?;
    let chosen = negotiate(theirs_min, theirs_max);
    let mut answer = Vec::with_capacity(14);
    answer.extend_from_slice(MAGIC);
    answer.extend_from_slice(&chosen.unwrap_or(0).to_be_bytes());
    answer.extend_from_slice(&MIN_PROTOCOL_VERSION.to_be_bytes());
    answer.extend_from_slice(&served_max().to_be_bytes());
    writer.write_all(&answer).await?;
    writer.flush().await?;
    chosen.ok_or(ProtocolError::VersionMismatch {
        ours_min: MIN_PROTOCOL_VERSION,
        ours_max: served_max(),
        theirs_min,
        theirs_max,
    })
}

/// The newest version this side serves. Debug builds can be held to an
/// older one (`SESSUI_JOB_MAX_PROTOCOL`), so tests can run a job that speaks
/// exactly what a job of the previous release spoke.
fn served_max() -> u16 {
    #[cfg(debug_assertions)]
    {
        static CAP: std::sync::OnceLock<Option<u16>> = std::sync::OnceLock::new();
        let cap = CAP.get_or_init(|| {
            std::env::var("SESSUI_JOB_MAX_PROTOCOL")
                .ok()
                .and_then(|v| v.parse().ok())
        });
        if let Some(cap) = *cap {
            return cap.clamp(MIN_PROTOCOL_VERSION, PROTOCOL_VERSION);
        }
    }
    PROTOCOL_VERSION
}

/// The highest version both sides speak.
fn negotiate(theirs_min: u16, theirs_max: u16) -> Option<u16> {
    let hi = theirs_max.min(served_max());
    let lo = theirs_min.max(MIN_PROTOCOL_VERSION);
    (hi >= lo && hi > 0).then_some(hi)
}

async fn skip_to_magic<R: AsyncBufRead + Unpin>(reader: &mut R) -> Result<(), ProtocolError> {
    let mut matched = 0usize;
    let mut seen = 0usize;
    loop {
        let byte = reader.read_u8().await.map_err(eof_is_no_hello)?;
        seen += 1;
        if byte == MAGIC[matched] {
            matched += 1;
            if matched == MAGIC.len() {
                return Ok(());
            }
        } else {
            // MAGIC's first byte occurs nowhere else in it, so restarting is exact.
            matched = usize::from(byte == MAGIC[0]);
        }
        if seen > MAX_NOISE {
            return Err(ProtocolError::NoHello);
        }
    }
}

fn eof_is_no_hello(e: std::io::Error) -> ProtocolError {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        ProtocolError::NoHello
    } else {
        e.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::BufReader;

    #[test]
    fn negotiation_picks_the_highest_common_version() {
        assert_eq!(negotiate(1, PROTOCOL_VERSION), Some(PROTOCOL_VERSION));
        assert_eq!(negotiate(1, 99), Some(PROTOCOL_VERSION));
        assert_eq!(negotiate(99, 100), None);
        assert_eq!(negotiate(0, 0), None);
    }

    #[tokio::test]
    async fn handshake_agrees() {
        let (c, s) = tokio::io::duplex(1024);
        let (cr, mut cw) = tokio::io::split(c);
        let (sr, mut sw) = tokio::io::split(s);
        let server = tokio::spawn(async move {
            let mut sr = BufReader::new(sr);
            accept_hello(&mut sr, &mut sw).await
        });
        let mut cr = BufReader::new(cr);
        let v = client_hello(&mut cr, &mut cw).await.unwrap();
        assert_eq!(v, PROTOCOL_VERSION);
        assert_eq!(server.await.unwrap().unwrap(), PROTOCOL_VERSION);
    }

    #[tokio::test]
    async fn noise_before_the_servers_hello_is_skipped() {
        let mut answer = b"Welcome to host!\n\x00junk\n".to_vec();
        answer.extend_from_slice(MAGIC);
        answer.extend_from_slice(&1u16.to_be_bytes());
        answer.extend_from_slice(&1u16.to_be_bytes());
        answer.extend_from_slice(&1u16.to_be_bytes());
        let mut reader = BufReader::new(&answer[..]);
        let mut sink = Vec::new();
        assert_eq!(client_hello(&mut reader, &mut sink).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_future_only_peer_gets_a_clear_mismatch() {
        let mut hello = MAGIC.to_vec();
        hello.extend_from_slice(&50u16.to_be_bytes());
        hello.extend_from_slice(&60u16.to_be_bytes());
        let mut reader = BufReader::new(&hello[..]);
        let mut answer = Vec::new();
        let err = accept_hello(&mut reader, &mut answer).await.unwrap_err();
        assert!(err.to_string().contains("50..=60"), "{err}");
        // and the client side reading that answer says the same
        let mut reader = BufReader::new(&answer[..]);
        let err = client_hello(&mut reader, &mut Vec::new())
            .await
            .unwrap_err();
        assert!(matches!(err, ProtocolError::VersionMismatch { .. }));
    }

    #[tokio::test]
    async fn silence_is_no_hello_not_a_hang() {
        let mut reader = BufReader::new(&b"not sessui at all"[..]);
        let err = client_hello(&mut reader, &mut Vec::new())
            .await
            .unwrap_err();
        assert!(matches!(err, ProtocolError::NoHello));
    }
}
