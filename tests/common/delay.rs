//! A TCP proxy that delays every chunk by a fixed time in each direction: a
//! slow link on 127.0.0.1 without a netem qdisc. It logs, on its own clock,
//! when each chunk came in and when it went out, so tests can tell what
//! could have arrived by when without guessing at wall-clock thresholds.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Which way a chunk went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Client to server.
    Up,
    /// Server to client.
    Down,
}

/// One chunk through the proxy.
#[derive(Debug, Clone, Copy)]
pub struct Chunk {
    pub dir: Dir,
    pub bytes: usize,
    /// When the proxy read it.
    pub received: Instant,
    /// When the proxy finished writing it on.
    pub delivered: Instant,
}

pub struct DelayProxy {
    pub port: u16,
    log: Arc<Mutex<Vec<Chunk>>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl DelayProxy {
    /// Listens on a free port of 127.0.0.1 and forwards each connection to
    /// `target` (`host:port`), every chunk held `delay` in each direction.
    pub fn start(target: &str, delay: Duration) -> DelayProxy {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (target, l) = (target.to_string(), log.clone());
        runtime.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&target).await else {
                    continue;
                };
                client.set_nodelay(true).unwrap();
                server.set_nodelay(true).unwrap();
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                pipe(cr, sw, Dir::Up, delay, l.clone());
                pipe(sr, cw, Dir::Down, delay, l.clone());
            }
        });
        DelayProxy {
            port,
            log,
            runtime: Some(runtime),
        }
    }

    /// Every chunk so far, in the order they went out.
    pub fn log(&self) -> Vec<Chunk> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for DelayProxy {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Reads from `from` as it comes; writes each chunk to `to` `delay` after it
/// was read, in order.
fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    dir: Dir,
    delay: Duration,
    log: Arc<Mutex<Vec<Chunk>>>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65536];
        loop {
            match from.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if tx.send((Instant::now(), buf[..n].to_vec())).is_err() {
                        return;
                    }
                }
            }
        }
    });
    tokio::spawn(async move {
        while let Some((received, bytes)) = rx.recv().await {
            tokio::time::sleep_until((received + delay).into()).await;
            if to.write_all(&bytes).await.is_err() {
                return;
            }
            log.lock().unwrap().push(Chunk {
                dir,
                bytes: bytes.len(),
                received,
                delivered: Instant::now(),
            });
        }
        let _ = to.shutdown().await;
    });
}
