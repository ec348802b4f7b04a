//! A Unix socket between a view and its job, watched for reading only.
//!
//! tokio's `UnixStream` asks the kernel about both directions, and a Unix
//! socket announces free space to its writer every time the peer reads: each
//! message then wakes the sender's thread a second time, for nothing, on the
//! path of every keystroke and its echo. Here a write goes straight to the
//! socket, and only a write the socket cannot take waits for space, with a
//! watch set up for that wait alone.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};

/// The reading half: wakes when there is something to read.
pub struct QuietRead(AsyncFd<UnixStream>);

/// The writing half: writes at once; waits only while the socket is full.
pub struct QuietWrite {
    sock: UnixStream,
    /// Watches for space while a write waits for it.
    waiting: Option<AsyncFd<UnixStream>>,
}

/// Splits a connected socket (any blocking mode) into its two halves.
pub fn split(stream: UnixStream) -> io::Result<(QuietRead, QuietWrite)> {
    stream.set_nonblocking(true)?;
    let sock = stream.try_clone()?;
    let read = QuietRead(watch(stream, Interest::READABLE)?);
    Ok((
        read,
        QuietWrite {
            sock,
            waiting: None,
        },
    ))
}

/// Splits a tokio socket, taking it out of tokio's hands.
pub fn split_tokio(stream: tokio::net::UnixStream) -> io::Result<(QuietRead, QuietWrite)> {
    split(stream.into_std()?)
}

/// Registers `sock` with the runtime's reactor for `interest` alone.
#[allow(unsafe_code)]
fn watch(sock: UnixStream, interest: Interest) -> io::Result<AsyncFd<UnixStream>> {
    // SAFETY: the `UnixStream` owns its descriptor; it is closed only when
    // the `AsyncFd` that owns it drops.
    Ok(unsafe { AsyncFd::register_with_interest(sock, interest) }?)
}

impl AsyncRead for QuietRead {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            let mut guard = ready!(self.0.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            match guard.try_io(|sock| sock.get_ref().read(unfilled)) {
                Ok(Ok(n)) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Ok(Err(e)) => return Poll::Ready(Err(e)),
                Err(_would_block) => continue,
            }
        }
    }
}

impl AsyncWrite for QuietWrite {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            match (&self.sock).write(buf) {
                Ok(n) => {
                    self.waiting = None;
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
            if self.waiting.is_none() {
                let copy = self.sock.try_clone()?;
                self.waiting = Some(watch(copy, Interest::WRITABLE)?);
            }
            let Some(waiting) = &self.waiting else {
                continue;
            };
            // Registered after the full write: space freed since shows as ready.
            let mut guard = ready!(waiting.poll_write_ready(cx))?;
            guard.clear_ready();
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.sock.shutdown(std::net::Shutdown::Write))
    }
}

/// As with tokio's halves, dropping the writing half ends the stream for the
/// peer (the reading half holds the socket open, so closing is not enough).
impl Drop for QuietWrite {
    fn drop(&mut self) {
        let _ = self.sock.shutdown(std::net::Shutdown::Write);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Much more than a socket buffer holds goes through whole and in order
    /// while the reader is slow: the writer waits for space and wakes.
    #[tokio::test]
    async fn a_full_socket_makes_the_writer_wait_not_fail() {
        let (a, b) = UnixStream::pair().unwrap();
        let (_ar, mut aw) = split(a).unwrap();
        let (mut br, _bw) = split(b).unwrap();
        let data: Vec<u8> = (0..8_000_000u32).map(|i| (i % 251) as u8).collect();
        let sent = data.clone();
        let writer = tokio::spawn(async move {
            aw.write_all(&sent).await.unwrap();
            aw.shutdown().await.unwrap();
        });
        let mut got = Vec::new();
        let mut chunk = vec![0; 4096];
        loop {
            let n = br.read(&mut chunk).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&chunk[..n]);
            if got.len() % (1 << 20) < 4096 {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        }
        writer.await.unwrap();
        assert_eq!(got.len(), data.len());
        assert!(got == data, "bytes changed or reordered");
    }

    #[tokio::test]
    async fn dropping_the_writing_half_ends_the_peers_stream() {
        let (a, b) = UnixStream::pair().unwrap();
        let (_ar, aw) = split(a).unwrap();
        let (mut br, _bw) = split(b).unwrap();
        drop(aw);
        let mut buf = [0; 8];
        assert_eq!(br.read(&mut buf).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn a_closed_peer_reads_as_the_end() {
        let (a, b) = UnixStream::pair().unwrap();
        let (mut ar, _aw) = split(a).unwrap();
        drop(b);
        let mut buf = [0; 8];
        assert_eq!(ar.read(&mut buf).await.unwrap(), 0);
    }
}
