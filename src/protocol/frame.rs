//! Length-prefixed frames: a 4-byte big-endian length, then a postcard body.

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

use super::{MAX_FRAME, ProtocolError};

/// Encodes one message as a whole frame, ready to write (possibly to many peers).
pub fn encode_frame<T: Serialize>(msg: &T) -> Result<Bytes, ProtocolError> {
    let mut buf =
        postcard::to_extend(msg, vec![0u8; 4]).map_err(|e| ProtocolError::Encode(e.to_string()))?;
    let len = buf.len() - 4;
    if len > MAX_FRAME {
        return Err(ProtocolError::FrameTooLarge {
            size: len,
            max: MAX_FRAME,
        });
    }
    buf[..4].copy_from_slice(&(len as u32).to_be_bytes());
    Ok(Bytes::from(buf))
}

/// Reads frames from a byte stream.
pub struct FrameReader<R> {
    inner: BufReader<R>,
    buf: Vec<u8>,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub fn new(inner: R) -> Self {
        FrameReader {
            inner: BufReader::with_capacity(64 << 10, inner),
            buf: Vec::new(),
        }
    }

    /// Wraps a reader that already holds bytes read past the hello.
    pub fn with_buffered(inner: BufReader<R>) -> Self {
        FrameReader {
            inner,
            buf: Vec::new(),
        }
    }

    /// The next message; `Err(Closed)` on a clean end of stream between frames.
    pub async fn read<T: DeserializeOwned>(&mut self) -> Result<T, ProtocolError> {
        let mut len = [0u8; 4];
        match self.inner.read_exact(&mut len).await {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(ProtocolError::Closed);
            }
            Err(e) => return Err(e.into()),
        }
        let len = u32::from_be_bytes(len) as usize;
        if len > MAX_FRAME {
            return Err(ProtocolError::FrameTooLarge {
                size: len,
                max: MAX_FRAME,
            });
        }
        self.buf.resize(len, 0);
        self.inner.read_exact(&mut self.buf).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                ProtocolError::Closed
            } else {
                e.into()
            }
        })?;
        let msg = postcard::from_bytes(&self.buf).map_err(|e| ProtocolError::Decode(e.to_string()));
        // A huge snapshot frame should not pin its buffer for the connection's life.
        if self.buf.capacity() > 1 << 20 {
            self.buf = Vec::new();
        }
        msg
    }
}

/// Writes frames to a byte stream.
pub struct FrameWriter<W> {
    inner: W,
}

impl<W: AsyncWrite + Unpin> FrameWriter<W> {
    pub fn new(inner: W) -> Self {
        FrameWriter { inner }
    }

    pub async fn send<T: Serialize>(&mut self, msg: &T) -> Result<(), ProtocolError> {
        let frame = encode_frame(msg)?;
        self.send_encoded(&frame).await
    }

    /// Writes a frame made by `encode_frame`, e.g. one broadcast to many clients.
    pub async fn send_encoded(&mut self, frame: &[u8]) -> Result<(), ProtocolError> {
        self.inner.write_all(frame).await?;
        self.inner.flush().await?;
        Ok(())
    }

    /// The stream underneath, for tests that close it half-way.
    #[cfg(test)]
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ClientMsg, ServerMsg};

    #[tokio::test]
    async fn round_trips_messages() {
        let (a, b) = tokio::io::duplex(1 << 16);
        let mut w = FrameWriter::new(a);
        let mut r = FrameReader::new(b);
        w.send(&ClientMsg::Input(b"ls\r".to_vec())).await.unwrap();
        w.send(&ClientMsg::Resize { cols: 80, rows: 24 })
            .await
            .unwrap();
        assert_eq!(
            r.read::<ClientMsg>().await.unwrap(),
            ClientMsg::Input(b"ls\r".to_vec())
        );
        assert_eq!(
            r.read::<ClientMsg>().await.unwrap(),
            ClientMsg::Resize { cols: 80, rows: 24 }
        );
        drop(w);
        assert!(matches!(
            r.read::<ClientMsg>().await,
            Err(ProtocolError::Closed)
        ));
    }

    #[tokio::test]
    async fn oversized_length_is_refused_not_allocated() {
        let (mut a, b) = tokio::io::duplex(64);
        a.write_all(&u32::MAX.to_be_bytes()).await.unwrap();
        let mut r = FrameReader::new(b);
        assert!(matches!(
            r.read::<ServerMsg>().await,
            Err(ProtocolError::FrameTooLarge { .. })
        ));
    }

    #[tokio::test]
    async fn garbage_body_is_a_decode_error() {
        let (mut a, b) = tokio::io::duplex(64);
        a.write_all(&3u32.to_be_bytes()).await.unwrap();
        a.write_all(&[0xff, 0xff, 0xff]).await.unwrap();
        let mut r = FrameReader::new(b);
        assert!(matches!(
            r.read::<ServerMsg>().await,
            Err(ProtocolError::Decode(_))
        ));
    }

    #[tokio::test]
    async fn truncated_frame_is_closed() {
        let (mut a, b) = tokio::io::duplex(64);
        a.write_all(&10u32.to_be_bytes()).await.unwrap();
        a.write_all(&[1, 2]).await.unwrap();
        drop(a);
        let mut r = FrameReader::new(b);
        assert!(matches!(
            r.read::<ServerMsg>().await,
            Err(ProtocolError::Closed)
        ));
    }
}
