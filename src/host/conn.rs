//! A message connection to one job, over any byte stream (unix socket, SSH
//! channel). Two tasks move frames; callers see bounded channels.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, BufReader};
use tokio::sync::mpsc;

use super::HostError;
use crate::protocol::{
    ClientMsg, FrameReader, FrameWriter, ProtocolError, ServerMsg, client_hello,
};

/// Messages buffered each way. A view that stops reading makes the job see a
/// slow client, which it handles by resyncing, so this bound costs no output.
const QUEUE: usize = 256;

/// How long a job has to answer the hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(5);

pub struct JobConn {
    tx: mpsc::Sender<ClientMsg>,
    rx: mpsc::Receiver<ServerMsg>,
    /// The protocol version both sides agreed on.
    pub version: u16,
}

impl JobConn {
    /// Says hello over the stream and starts moving frames.
    pub async fn open<R, W>(read: R, mut write: W) -> Result<JobConn, ProtocolError>
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let mut read = BufReader::with_capacity(64 << 10, read);
        let version = tokio::time::timeout(HELLO_TIMEOUT, client_hello(&mut read, &mut write))
            .await
            .map_err(|_| {
                ProtocolError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the job did not answer within 5 s (is it stopped or overloaded?)",
                ))
            })??;

        let (in_tx, rx) = mpsc::channel::<ServerMsg>(QUEUE);
        let mut reader = FrameReader::with_buffered(read);
        tokio::spawn(async move {
            loop {
                match reader.read::<ServerMsg>().await {
                    Ok(msg) => {
                        if in_tx.send(ingested(msg)).await.is_err() {
                            break;
                        }
                    }
                    Err(ProtocolError::Closed) => break,
                    Err(e) => {
                        tracing::warn!("connection to job broken: {e}");
                        break;
                    }
                }
            }
        });

        let (tx, mut out_rx) = mpsc::channel::<ClientMsg>(QUEUE);
        tokio::spawn(async move {
            let mut writer = FrameWriter::new(write);
            while let Some(msg) = out_rx.recv().await {
                if writer.send(&msg).await.is_err() {
                    break;
                }
            }
        });
        Ok(JobConn { tx, rx, version })
    }

    pub async fn send(&self, msg: ClientMsg) -> Result<(), HostError> {
        self.tx
            .send(msg)
            .await
            .map_err(|_| HostError::Unreachable("the connection to the job closed".into()))
    }

    /// The next message; `None` once the connection is closed.
    pub async fn recv(&mut self) -> Option<ServerMsg> {
        self.rx.recv().await
    }

    /// Sends a request and returns the first reply that is not stream traffic.
    pub async fn request(
        &mut self,
        msg: ClientMsg,
        timeout: Duration,
    ) -> Result<ServerMsg, HostError> {
        self.send(msg).await?;
        let wait = async {
            loop {
                match self.rx.recv().await {
                    None => {
                        return Err(HostError::Unreachable(
                            "the job closed the connection".into(),
                        ));
                    }
                    Some(msg) if msg.is_stream() => continue,
                    Some(reply) => return Ok(reply),
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| HostError::Unreachable("the job did not answer in time".into()))?
    }

    /// The two halves, for a view that reads and writes from different places.
    pub fn split(self) -> (mpsc::Sender<ClientMsg>, mpsc::Receiver<ServerMsg>) {
        (self.tx, self.rx)
    }
}

/// What a job says about itself may be shown and stored later: its texts
/// (an exit reason, an error, a title a program set, for a remote job
/// anything the remote host sent) are made safe and capped as they arrive.
/// Output and screens stay exact: the emulator is their reader.
fn ingested(msg: ServerMsg) -> ServerMsg {
    use crate::text::ingest;
    match msg {
        ServerMsg::Exited(exit) => ServerMsg::Exited(exit.ingested()),
        ServerMsg::Error { message } => ServerMsg::Error {
            message: ingest(&message, 500),
        },
        ServerMsg::Info(mut info) => {
            info.title = ingest(&info.title, 200);
            info.command = ingest(&info.command, 2000);
            info.cwd = ingest(&info.cwd, 2000);
            info.version = ingest(&info.version, 40);
            info.job_id = ingest(&info.job_id, 40);
            info.session_id = ingest(&info.session_id, 40);
            ServerMsg::Info(info)
        }
        other => other,
    }
}
