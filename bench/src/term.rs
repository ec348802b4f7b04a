//! The harness's terminal: a real PTY whose output a reader thread takes as
//! fast as it comes, through an emulator, stamping the moment a probe holds.
//!
//! The stamp is taken on the reader thread right after the bytes that made
//! the probe true were parsed, which is when a real terminal could show them.

use std::io::{Read, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

use sessui::testing::term::Emulator;

/// A condition on what the terminal shows.
pub type Probe = Box<dyn FnMut(&Emulator) -> bool + Send>;

/// Bytes per read: what a fast terminal emulator asks for.
const READ_CHUNK: usize = 64 << 10;

struct State {
    emu: Emulator,
    probe: Option<Probe>,
    hit: Option<Instant>,
    closed: bool,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking probe leaves plain data behind: keep going.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

type Writer = Arc<Mutex<Box<dyn Write + Send>>>;

pub struct Term {
    /// Held open: the terminal closes when it goes.
    _master: Box<dyn MasterPty + Send>,
    writer: Writer,
    child: Box<dyn Child + Send + Sync>,
    shared: Arc<Shared>,
    /// When the program was started.
    pub spawned: Instant,
    pub name: String,
}

impl Term {
    /// Starts `cmd` in a new PTY of `cols` x `rows` and starts reading it.
    pub fn spawn(name: &str, cmd: CommandBuilder, cols: u16, rows: u16) -> Result<Term, String> {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| format!("openpty: {e}"))?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                emu: Emulator::new(cols, rows, 0),
                probe: None,
                hit: None,
                closed: false,
            }),
            changed: Condvar::new(),
        });
        let mut reader = pair
            .master
            .try_clone_reader()
            .map_err(|e| format!("pty reader: {e}"))?;
        let writer: Writer = Arc::new(Mutex::new(
            pair.master
                .take_writer()
                .map_err(|e| format!("pty writer: {e}"))?,
        ));
        let spawned = Instant::now();
        let child = pair
            .slave
            .spawn_command(cmd)
            .map_err(|e| format!("starting {name}: {e}"))?;
        drop(pair.slave);
        let sh = shared.clone();
        let answers = writer.clone();
        std::thread::Builder::new()
            .name(format!("read-{name}"))
            .spawn(move || {
                let mut buf = vec![0u8; READ_CHUNK];
                let mut queries = Queries::default();
                loop {
                    let n = match reader.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let mut guard = sh.lock();
                    let st = &mut *guard;
                    // Parse up to each query and answer it from that state,
                    // as a terminal does (programs wait for the answers).
                    let mut done = 0;
                    while let Some((end, query)) = queries.next(&buf[done..n]) {
                        st.emu.process(&buf[done..done + end]);
                        done += end;
                        let reply = query.answer(&st.emu);
                        let mut w = answers.lock().unwrap_or_else(|p| p.into_inner());
                        let _ = w.write_all(reply.as_bytes()).and_then(|_| w.flush());
                    }
                    st.emu.process(&buf[done..n]);
                    if let Some(probe) = st.probe.as_mut()
                        && probe(&st.emu)
                    {
                        st.hit = Some(Instant::now());
                        st.probe = None;
                        sh.changed.notify_all();
                    }
                }
                sh.lock().closed = true;
                sh.changed.notify_all();
            })
            .map_err(|e| format!("reader thread: {e}"))?;
        Ok(Term {
            _master: pair.master,
            writer,
            child,
            shared,
            spawned,
            name: name.to_string(),
        })
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    /// Types bytes, as a person (or a paste) would.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        w.write_all(bytes)
            .and_then(|_| w.flush())
            .map_err(|e| format!("typing into {}: {e}", self.name))
    }

    /// Installs `probe`; the next `wait_hit` returns when it first holds.
    /// Fails if it holds already: the measurement would start from a lie.
    pub fn arm(
        &self,
        mut probe: impl FnMut(&Emulator) -> bool + Send + 'static,
    ) -> Result<(), String> {
        let mut st = self.shared.lock();
        st.hit = None;
        if probe(&st.emu) {
            return Err(format!(
                "{}: the awaited screen was there before the input",
                self.name
            ));
        }
        st.probe = Some(Box::new(probe));
        Ok(())
    }

    /// Waits for the armed probe to hold; returns when it first did.
    pub fn wait_hit(&self, limit: Duration) -> Result<Instant, String> {
        let deadline = Instant::now() + limit;
        let mut st = self.shared.lock();
        loop {
            if let Some(at) = st.hit.take() {
                return Ok(at);
            }
            let now = Instant::now();
            if st.closed || now >= deadline {
                st.probe = None;
                let why = if st.closed {
                    "the program ended"
                } else {
                    "timed out"
                };
                return Err(format!(
                    "{}: {why} waiting for the screen; it shows:\n{}",
                    self.name,
                    st.emu.screen_text()
                ));
            }
            st = self
                .shared
                .changed
                .wait_timeout(st, deadline - now)
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }

    /// Arms `probe`, types `input`, and returns how long until the probe held.
    pub fn timed(
        &mut self,
        input: &[u8],
        limit: Duration,
        probe: impl FnMut(&Emulator) -> bool + Send + 'static,
    ) -> Result<Duration, String> {
        self.arm(probe)?;
        let start = Instant::now();
        self.send(input)?;
        Ok(self.wait_hit(limit)?.saturating_duration_since(start))
    }

    /// Waits until `probe` holds (now or later); returns when it did.
    pub fn wait(
        &self,
        limit: Duration,
        mut probe: impl FnMut(&Emulator) -> bool + Send + 'static,
    ) -> Result<Instant, String> {
        {
            let mut st = self.shared.lock();
            if probe(&st.emu) {
                return Ok(Instant::now());
            }
            st.hit = None;
            st.probe = Some(Box::new(probe));
        }
        self.wait_hit(limit)
    }

    /// Waits until `text` shows anywhere on screen.
    pub fn wait_text(&self, limit: Duration, text: &str) -> Result<Instant, String> {
        let text = text.to_string();
        self.wait(limit, move |e| e.screen_text().contains(&text))
    }

    pub fn with_screen<T>(&self, f: impl FnOnce(&Emulator) -> T) -> T {
        f(&self.shared.lock().emu)
    }

    pub fn screen(&self) -> String {
        self.with_screen(Emulator::screen_text)
    }

    /// Waits for the program to exit; whether it exited successfully.
    pub fn wait_exit(&mut self, limit: Duration) -> Result<bool, String> {
        let deadline = Instant::now() + limit;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Ok(status.success()),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(2));
                }
                Ok(None) => {
                    return Err(format!(
                        "{} did not exit; screen:\n{}",
                        self.name,
                        self.screen()
                    ));
                }
                Err(e) => return Err(format!("{}: {e}", self.name)),
            }
        }
    }

    /// Whether the program is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Asks the program to end (SIGTERM), then kills it if it does not.
    pub fn terminate(&mut self) {
        if let Some(pid) = self.pid() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if !self.running() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        if self.running() {
            self.terminate();
        }
    }
}

/// A request a program makes of its terminal and waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Query {
    /// `CSI 6 n`: where is the cursor.
    CursorPosition,
    /// `CSI 5 n`: are you well.
    Status,
    /// `CSI c`: what are you (primary device attributes).
    Attributes,
    /// `CSI > c`: which version (secondary device attributes).
    Version,
}

impl Query {
    /// What xterm answers.
    fn answer(self, emu: &Emulator) -> String {
        match self {
            Query::CursorPosition => {
                let (row, col) = emu.cursor_position();
                format!("\x1b[{};{}R", row + 1, col + 1)
            }
            Query::Status => "\x1b[0n".into(),
            Query::Attributes => "\x1b[?62;22c".into(),
            Query::Version => "\x1b[>41;379;0c".into(),
        }
    }
}

/// Finds queries in the output stream, across reads.
#[derive(Default)]
struct Queries {
    /// Inside `ESC [`: the parameter bytes so far (None: not in a CSI).
    csi: Option<Vec<u8>>,
    escape: bool,
}

impl Queries {
    /// The end (exclusive) of the first query in `bytes`, if any.
    fn next(&mut self, bytes: &[u8]) -> Option<(usize, Query)> {
        for (i, &b) in bytes.iter().enumerate() {
            if let Some(params) = &mut self.csi {
                match b {
                    0x30..=0x3f if params.len() < 16 => params.push(b),
                    0x20..=0x3f => {}
                    _ => {
                        let query = match (params.as_slice(), b) {
                            (b"6" | b"?6", b'n') => Some(Query::CursorPosition),
                            (b"5", b'n') => Some(Query::Status),
                            (b"" | b"0", b'c') => Some(Query::Attributes),
                            (b">" | b">0", b'c') => Some(Query::Version),
                            _ => None,
                        };
                        self.csi = None;
                        self.escape = b == 0x1b;
                        if let Some(q) = query {
                            return Some((i + 1, q));
                        }
                    }
                }
                continue;
            }
            if self.escape && b == b'[' {
                self.csi = Some(Vec::new());
            }
            self.escape = b == 0x1b;
        }
        None
    }
}

/// Row `row` as text, built from cells: cheap enough to run after every read.
pub fn row_text(emu: &Emulator, row: u16) -> String {
    let (cols, _) = emu.size();
    let mut s = String::with_capacity(usize::from(cols));
    for col in 0..cols {
        match emu.cell(row, col) {
            Some(c) if c.is_wide_continuation() => {}
            Some(c) if c.has_contents() => s.push_str(c.contents()),
            _ => s.push(' '),
        }
    }
    s.truncate(s.trim_end().len());
    s
}

/// Whether `text` shows on the cursor's row or one of the two above it,
/// where a line just printed (before or after its prompt) sits.
pub fn near_cursor(emu: &Emulator, text: &str) -> bool {
    let (row, _) = emu.cursor_position();
    (row.saturating_sub(2)..=row).any(|r| row_text(emu, r).contains(text))
}
