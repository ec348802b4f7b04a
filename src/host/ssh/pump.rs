//! Every SSH channel gets a task that always drains it (russh stalls the whole
//! connection, keepalives included, when one channel's queue fills up).
//!
//! The task hands data on through a bounded queue; a consumer that falls that
//! far behind loses its stream (it reconnects and gets a fresh snapshot), never
//! the connection.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use russh::ChannelMsg;
use russh::client::Msg;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, DropGuard};

/// Chunks (up to one SSH packet, 32 KiB, each) held for a slow consumer:
/// several screens of output; past it, the consumer is resynced instead.
const QUEUE_CHUNKS: usize = 1024;
/// Stderr kept for error messages: the end is what explains a failure.
const STDERR_TAIL: usize = 4 << 10;

/// What the remote command said besides its output.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub exit_status: Option<u32>,
    pub stderr: String,
}

/// The two ends of a drained channel plus what it reported.
pub struct Pumped {
    pub reader: ChanReader,
    pub writer: ChanWriter,
    pub report: Arc<Mutex<Report>>,
}

/// Starts the draining task for `channel`.
pub fn pump(channel: russh::Channel<Msg>, label: String) -> Pumped {
    let (mut read_half, write_half) = channel.split();
    let (tx, rx) = mpsc::channel::<Bytes>(QUEUE_CHUNKS);
    let report = Arc::new(Mutex::new(Report::default()));
    let writer_gone = CancellationToken::new();
    let writer = ChanWriter {
        inner: Box::pin(write_half.make_writer()),
        _guard: writer_gone.clone().drop_guard(),
    };
    let rep = report.clone();
    tokio::spawn(async move {
        let mut tx = Some(tx);
        let mut closing = false;
        loop {
            let msg = tokio::select! {
                m = read_half.wait() => m,
                // Our side is done writing (the view or request left): say so,
                // so the remote command ends and the channel closes.
                _ = writer_gone.cancelled(), if !closing => {
                    closing = true;
                    let _ = write_half.eof().await;
                    let _ = write_half.close().await;
                    continue;
                }
            };
            match msg {
                None => break,
                Some(ChannelMsg::Data { data }) => {
                    if let Some(t) = &tx {
                        match t.try_send(data) {
                            Ok(()) => {}
                            Err(mpsc::error::TrySendError::Full(_)) => {
                                tracing::warn!(
                                    "{label}: the reader fell {QUEUE_CHUNKS} chunks behind; \
                                     closing its stream so it resyncs"
                                );
                                tx = None;
                                if !closing {
                                    closing = true;
                                    let _ = write_half.close().await;
                                }
                            }
                            Err(mpsc::error::TrySendError::Closed(_)) => {
                                tx = None;
                                if !closing {
                                    closing = true;
                                    let _ = write_half.eof().await;
                                    let _ = write_half.close().await;
                                }
                            }
                        }
                    }
                }
                Some(ChannelMsg::ExtendedData { data, .. }) => {
                    let mut r = rep.lock().unwrap_or_else(|p| p.into_inner());
                    r.stderr.push_str(&String::from_utf8_lossy(&data));
                    if r.stderr.len() > STDERR_TAIL {
                        let cut = r.stderr.len() - STDERR_TAIL;
                        let cut = (cut..r.stderr.len())
                            .find(|i| r.stderr.is_char_boundary(*i))
                            .unwrap_or(r.stderr.len());
                        r.stderr.drain(..cut);
                    }
                }
                Some(ChannelMsg::ExitStatus { exit_status }) => {
                    rep.lock().unwrap_or_else(|p| p.into_inner()).exit_status = Some(exit_status);
                }
                // End of data: the reader sees end of file once the queue is empty.
                Some(ChannelMsg::Eof) => tx = None,
                Some(ChannelMsg::Close) => break,
                Some(_) => {}
            }
        }
        tracing::debug!("{label}: channel closed");
    });
    Pumped {
        reader: ChanReader {
            rx,
            buf: Bytes::new(),
        },
        writer,
        report,
    }
}

/// Reads what the pump took off the channel; end of file when the channel ends.
pub struct ChanReader {
    rx: mpsc::Receiver<Bytes>,
    buf: Bytes,
}

impl AsyncRead for ChanReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        loop {
            if !self.buf.is_empty() {
                let n = self.buf.len().min(out.remaining());
                let chunk = self.buf.split_to(n);
                out.put_slice(&chunk);
                return Poll::Ready(Ok(()));
            }
            match self.rx.poll_recv(cx) {
                Poll::Ready(Some(b)) => self.buf = b,
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// Writes to the channel (waiting for the remote window, never for our reads).
/// Dropping it ends the channel from our side.
pub struct ChanWriter {
    inner: Pin<Box<dyn AsyncWrite + Send>>,
    _guard: DropGuard,
}

impl AsyncWrite for ChanWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.inner.as_mut().poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.inner.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.inner.as_mut().poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncReadExt;

    use super::*;

    #[tokio::test]
    async fn the_reader_gives_chunks_in_order_then_end_of_file() {
        let (tx, rx) = mpsc::channel(4);
        let mut reader = ChanReader {
            rx,
            buf: Bytes::new(),
        };
        tx.send(Bytes::from_static(b"hello ")).await.unwrap();
        tx.send(Bytes::from_static(b"world")).await.unwrap();
        drop(tx);
        let mut small = [0u8; 3];
        reader.read_exact(&mut small).await.unwrap();
        assert_eq!(&small, b"hel");
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"lo world");
    }
}
