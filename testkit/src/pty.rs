//! One terminal for the tests and the benchmark: a program on a real PTY
//! whose output a reader thread takes as fast as it comes, through a terminal
//! model, waking whoever waits on the screen after every read.
//!
//! For timings, an armed probe runs on the reader thread right after the
//! bytes that made it true were parsed (when a real terminal could show
//! them) and stamps that moment.

mod queries;

use std::io::{Read, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use sessui::testing::term::Emulator;

use queries::Queries;

/// What reads the program's output: sessui's own emulator, or an independent
/// one to judge it against.
pub trait Model: Send + 'static {
    /// Parses output; answers the model gives the program go to `reply`.
    fn feed(&mut self, bytes: &[u8], reply: &mut dyn FnMut(&[u8]));
    fn resize(&mut self, cols: u16, rows: u16);
    /// The screen as text, for waits on text and for failure messages.
    fn text(&self) -> String;
    /// The cursor's (row, column), from 0.
    fn cursor(&self) -> (u16, u16);
}

impl Model for Emulator {
    fn feed(&mut self, bytes: &[u8], _reply: &mut dyn FnMut(&[u8])) {
        self.process(bytes);
    }
    fn resize(&mut self, cols: u16, rows: u16) {
        Emulator::resize(self, cols, rows);
    }
    fn text(&self) -> String {
        self.screen_text()
    }
    fn cursor(&self) -> (u16, u16) {
        self.cursor_position()
    }
}

/// How the program is ended when its terminal goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDrop {
    /// SIGTERM, then a kill if it has not ended in 3 s: sessui restores the
    /// terminal and records its views gone, as when a window closes.
    Terminate,
    /// Hang-up then kill at once: tests end fast and leave what a crash leaves.
    Kill,
}

/// How a terminal is opened.
#[derive(Debug, Clone)]
pub struct Options {
    pub cols: u16,
    pub rows: u16,
    /// Pixels per cell the PTY reports (programs that draw images ask).
    pub cell_pixels: (u16, u16),
    /// Answers cursor-position, status and device-attribute queries as xterm
    /// does, for models that do not answer by themselves.
    pub answer_queries: bool,
    /// Keeps every byte the program wrote, for checks on the sequences.
    pub keep_raw: bool,
    pub on_drop: OnDrop,
}

impl Options {
    /// A terminal as a user has one: it answers queries; closing it asks
    /// the program to end.
    pub fn new(cols: u16, rows: u16) -> Options {
        Options {
            cols,
            rows,
            cell_pixels: (0, 0),
            answer_queries: true,
            keep_raw: false,
            on_drop: OnDrop::Terminate,
        }
    }

    fn size(&self, cols: u16, rows: u16) -> PtySize {
        PtySize {
            rows,
            cols,
            pixel_width: cols.saturating_mul(self.cell_pixels.0),
            pixel_height: rows.saturating_mul(self.cell_pixels.1),
        }
    }
}

/// A condition on what the terminal shows.
pub type Probe<M = Emulator> = Box<dyn FnMut(&M) -> bool + Send>;

/// Bytes per read: what a fast terminal emulator asks for.
const READ_CHUNK: usize = 64 << 10;

struct State<M> {
    model: M,
    probe: Option<Probe<M>>,
    hit: Option<Instant>,
    closed: bool,
    raw: Option<Vec<u8>>,
    /// Callers of `until` waiting now: only they need waking after every
    /// read. A timed wait is woken by its hit alone, so a flood being
    /// measured does not also pay for a waiter checking each read.
    watchers: usize,
}

struct Shared<M> {
    state: Mutex<State<M>>,
    /// Signalled on a probe's hit, when the program's side closes, and
    /// after every read while someone watches.
    changed: Condvar,
}

impl<M> Shared<M> {
    fn lock(&self) -> MutexGuard<'_, State<M>> {
        // A panicking probe leaves plain data behind: keep going.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

type Writer = Arc<Mutex<Box<dyn Write + Send>>>;

/// A program on a real PTY, read through a model of type `M`.
pub struct Terminal<M: Model = Emulator> {
    master: Box<dyn MasterPty + Send>,
    writer: Writer,
    child: Box<dyn Child + Send + Sync>,
    shared: Arc<Shared<M>>,
    options: Options,
    /// When the program was started.
    pub spawned: Instant,
    pub name: String,
}

impl Terminal<Emulator> {
    /// Starts `cmd` on a PTY of `cols` x `rows` read by sessui's emulator,
    /// with a user's terminal's manners (see `Options::new`).
    pub fn spawn(
        name: &str,
        cmd: CommandBuilder,
        cols: u16,
        rows: u16,
    ) -> Result<Terminal, String> {
        Terminal::start(
            name,
            cmd,
            Emulator::new(cols, rows, 0),
            Options::new(cols, rows),
        )
    }
}

impl<M: Model> Terminal<M> {
    /// Starts `cmd` on a PTY opened as `options` say, read by `model`.
    pub fn start(
        name: &str,
        cmd: CommandBuilder,
        model: M,
        options: Options,
    ) -> Result<Terminal<M>, String> {
        let pair = native_pty_system()
            .openpty(options.size(options.cols, options.rows))
            .map_err(|e| format!("openpty for {name}: {e}"))?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                model,
                probe: None,
                hit: None,
                closed: false,
                raw: options.keep_raw.then(Vec::new),
                watchers: 0,
            }),
            changed: Condvar::new(),
        });
        let reader = pair
            .master
            .try_clone_reader()
            .map_err(|e| format!("pty reader for {name}: {e}"))?;
        let writer: Writer = Arc::new(Mutex::new(
            pair.master
                .take_writer()
                .map_err(|e| format!("pty writer for {name}: {e}"))?,
        ));
        let spawned = Instant::now();
        let child = pair
            .slave
            .spawn_command(cmd)
            .map_err(|e| format!("starting {name}: {e}"))?;
        // Held, the slave would keep the PTY open after the program ends.
        drop(pair.slave);
        let (sh, answers) = (shared.clone(), writer.clone());
        let answer_queries = options.answer_queries;
        std::thread::Builder::new()
            .name(format!("read-{name}"))
            .spawn(move || read_loop(reader, &sh, &answers, answer_queries))
            .map_err(|e| format!("reader thread for {name}: {e}"))?;
        Ok(Terminal {
            master: pair.master,
            writer,
            child,
            shared,
            options,
            spawned,
            name: name.to_string(),
        })
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    /// Types bytes, as a person (or a paste) would.
    pub fn send(&self, bytes: &[u8]) -> Result<(), String> {
        write_all(&self.writer, bytes).map_err(|e| format!("typing into {}: {e}", self.name))
    }

    /// Installs `probe`; the next `wait_hit` returns when it first holds.
    /// Fails if it holds already: the measurement would start from a lie.
    pub fn arm(&self, mut probe: impl FnMut(&M) -> bool + Send + 'static) -> Result<(), String> {
        let mut st = self.shared.lock();
        st.hit = None;
        if probe(&st.model) {
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
                return Err(self.gave_up(&st, "the screen"));
            }
            st = self.wait_change(st, deadline - now);
        }
    }

    /// Arms `probe`, types `input`, and returns how long until the probe held.
    pub fn timed(
        &self,
        input: &[u8],
        limit: Duration,
        probe: impl FnMut(&M) -> bool + Send + 'static,
    ) -> Result<Duration, String> {
        self.arm(probe)?;
        let start = Instant::now();
        self.send(input)?;
        Ok(self.wait_hit(limit)?.saturating_duration_since(start))
    }

    /// Waits until `probe` holds (now or later); returns when it did, as
    /// stamped by the reader.
    pub fn wait(
        &self,
        limit: Duration,
        mut probe: impl FnMut(&M) -> bool + Send + 'static,
    ) -> Result<Instant, String> {
        {
            let mut st = self.shared.lock();
            if probe(&st.model) {
                return Ok(Instant::now());
            }
            st.hit = None;
            st.probe = Some(Box::new(probe));
        }
        self.wait_hit(limit)
    }

    /// Waits until `f` holds for the screen, checking after every read; for
    /// conditions that borrow (no timing).
    pub fn until(&self, limit: Duration, mut f: impl FnMut(&M) -> bool) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        let mut st = self.shared.lock();
        st.watchers += 1;
        let outcome = loop {
            if f(&st.model) {
                break Ok(());
            }
            let now = Instant::now();
            if st.closed || now >= deadline {
                break Err(self.gave_up(&st, "the screen"));
            }
            st = self.wait_change(st, deadline - now);
        };
        st.watchers -= 1;
        outcome
    }

    /// Waits until `text` shows anywhere on screen.
    pub fn wait_text(&self, limit: Duration, text: &str) -> Result<Instant, String> {
        let text = text.to_string();
        self.wait(limit, move |m| m.text().contains(&text))
    }

    pub fn with_screen<T>(&self, f: impl FnOnce(&M) -> T) -> T {
        f(&self.shared.lock().model)
    }

    /// The screen as text.
    pub fn screen(&self) -> String {
        self.with_screen(M::text)
    }

    /// Everything the program wrote (kept only with `Options::keep_raw`).
    pub fn raw(&self) -> Vec<u8> {
        self.shared.lock().raw.clone().unwrap_or_default()
    }

    /// Resizes the PTY (the program gets SIGWINCH), then the model.
    pub fn resize(&self, cols: u16, rows: u16) -> Result<(), String> {
        self.master
            .resize(self.options.size(cols, rows))
            .map_err(|e| format!("resizing {}: {e}", self.name))?;
        self.shared.lock().model.resize(cols, rows);
        Ok(())
    }

    /// Sends `signal` to the program.
    pub fn signal(&self, signal: nix::sys::signal::Signal) -> Result<(), String> {
        let pid = self
            .pid()
            .ok_or_else(|| format!("{} has no process id", self.name))?;
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), signal)
            .map_err(|e| format!("signalling {}: {e}", self.name))
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

    /// Waits until the reader has taken the program's last bytes (its side
    /// of the PTY closed), up to `limit`.
    pub fn wait_closed(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut st = self.shared.lock();
        while !st.closed {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            st = self.wait_change(st, deadline - now);
        }
        true
    }

    /// Whether the program is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Asks the program to end (SIGTERM), then kills it if it does not.
    pub fn terminate(&mut self) {
        let _ = self.signal(nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if !self.running() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.kill();
    }

    /// Ends the program now (hang-up, then SIGKILL) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn wait_change<'a>(
        &self,
        st: MutexGuard<'a, State<M>>,
        limit: Duration,
    ) -> MutexGuard<'a, State<M>> {
        self.shared
            .changed
            .wait_timeout(st, limit)
            .map(|(g, _)| g)
            .unwrap_or_else(|p| p.into_inner().0)
    }

    fn gave_up(&self, st: &State<M>, what: &str) -> String {
        let why = if st.closed {
            "the program ended"
        } else {
            "timed out"
        };
        format!(
            "{}: {why} waiting for {what}; it shows:\n{}",
            self.name,
            st.model.text()
        )
    }
}

impl<M: Model> Drop for Terminal<M> {
    fn drop(&mut self) {
        if !self.running() {
            return;
        }
        match self.options.on_drop {
            OnDrop::Terminate => self.terminate(),
            OnDrop::Kill => self.kill(),
        }
    }
}

fn write_all(writer: &Writer, bytes: &[u8]) -> std::io::Result<()> {
    let mut w = writer.lock().unwrap_or_else(|p| p.into_inner());
    w.write_all(bytes).and_then(|_| w.flush())
}

/// Takes the program's output until its side closes: parses it, answers its
/// queries, records it, checks the armed probe, and wakes waiters.
fn read_loop<M: Model>(
    mut reader: Box<dyn Read + Send>,
    shared: &Shared<M>,
    answers: &Writer,
    answer_queries: bool,
) {
    let mut buf = vec![0u8; READ_CHUNK];
    let mut queries = Queries::default();
    let mut reply = |bytes: &[u8]| {
        let _ = write_all(answers, bytes);
    };
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut guard = shared.lock();
        let st = &mut *guard;
        if let Some(raw) = st.raw.as_mut() {
            raw.extend_from_slice(&buf[..n]);
        }
        let mut done = 0;
        if answer_queries {
            // Parse up to each query and answer it from that state, as a
            // terminal does (programs wait for the answers).
            while let Some((end, query)) = queries.next(&buf[done..n]) {
                st.model.feed(&buf[done..done + end], &mut reply);
                done += end;
                reply(query.answer(st.model.cursor()).as_bytes());
            }
        }
        st.model.feed(&buf[done..n], &mut reply);
        let mut wake = st.watchers > 0;
        if let Some(probe) = st.probe.as_mut()
            && probe(&st.model)
        {
            st.hit = Some(Instant::now());
            st.probe = None;
            wake = true;
        }
        if wake {
            shared.changed.notify_all();
        }
    }
    shared.lock().closed = true;
    shared.changed.notify_all();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PATIENCE;

    fn sh(script: &str) -> Terminal {
        let mut cmd = CommandBuilder::new("/bin/sh");
        cmd.args(["-c", script]);
        Terminal::spawn("sh", cmd, 40, 5).unwrap()
    }

    #[test]
    fn a_key_is_timed_to_its_echo_and_a_probe_true_already_is_refused() {
        let t = sh("stty raw -echo; head -c 1 | tr x y; sleep 2");
        let took = t
            .timed(b"x", PATIENCE, |e| e.screen_text().contains('y'))
            .unwrap();
        assert!(took < PATIENCE);
        assert!(t.arm(|e| e.screen_text().contains('y')).is_err());
    }

    #[test]
    fn a_cursor_query_is_answered_and_a_wait_ends_when_the_program_does() {
        let t = sh("echo cursor-query; stty raw -echo; printf '\\033[6n'; head -c 1 >/dev/null");
        let mut seen = String::new();
        t.until(PATIENCE, |e| {
            seen = e.screen_text();
            seen.contains("cursor-query")
        })
        .unwrap();
        assert!(seen.contains("cursor-query"));
        // The answer to the query is the byte `head` waits for; the
        // program's end ends the wait for something that never shows.
        assert!(
            t.until(PATIENCE, |e| e.screen_text().contains("never"))
                .is_err()
        );
        assert!(t.wait_closed(PATIENCE));
    }
}
