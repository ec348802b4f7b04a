//! A byte pass in front of vt100 for what it does not do itself: DEC special
//! graphics (`ESC ( 0`, SO/SI, the line drawing of ncurses programs), `CSI I`
//! and `CSI Z` tabs, index and next line (`ESC D`, `ESC E`), SCO cursor save
//! (`CSI s`, `CSI u`), and marking the points the emulator must act on
//! (entering the alternate screen, scroll regions, clearing history, modes
//! vt100 does not keep, and the questions a program asks its terminal).

use super::marks::Marks;
use super::query::Asked;

/// Something the emulator must handle at a given offset of the filtered output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `CSI ? 47/1049 h` starts here: save the main screen before it.
    AltEnter,
    /// `CSI t ; b r` just ended: remember the scroll region.
    ScrollRegion { top: u16, bottom: u16 },
    /// `CSI 3 J` just ended: forget history.
    ClearHistory,
    /// `CSI n Z` was here (removed): move back `n` tab stops.
    BackTab(u16),
    /// `ESC c` just ended.
    Reset,
    /// A private mode vt100 does not keep was set or reset (`CSI ? n h/l`).
    Mode { mode: u16, on: bool },
    /// The program asked its terminal something; the answer depends on the
    /// state right here.
    Asked(Asked),
    /// `OSC` text this filter reads itself (`OSC 7`, `OSC 8`, colours): its
    /// bytes are in `Filter::osc`.
    Osc,
    /// Every mark is taken: free the ones no cell names (`Marks::recycle`)
    /// before the text that follows is drawn.
    MarksFull,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Charset {
    #[default]
    Ascii,
    DecGraphics,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Ground,
    Escape,
    /// After `ESC (`, `ESC )`, `ESC *` or `ESC +`: the next byte names a charset.
    Designate(u8),
    /// After another intermediate: skip to the final byte.
    EscIntermediate,
    Csi,
    /// OSC: until BEL or ST.
    Osc,
    /// DCS: its parameters, up to the final byte that starts its data.
    Dcs,
    /// DCS data: until ST (or the 8-bit ST byte).
    DcsData,
    /// SOS, PM, APC: until ST.
    SosPmApc,
}

/// Which kind of string is being read (OSC, DCS) or was last read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StringKind {
    Osc,
    Dcs,
    Other,
}

/// Longest OSC or DCS text kept for reading: queries, links and paths are
/// far shorter; longer text passes through unread.
const MAX_STRING: usize = 8192;

/// Longest clipboard copy (`OSC 52`, base64) passed to the outer terminal:
/// a large paste's worth; xterm's own limit is of this order.
const MAX_CLIPBOARD: usize = 1 << 20;

/// Longest CSI parameter string kept; longer ones are passed through unread.
const MAX_CSI: usize = 64;

/// Most bytes of an unfinished sequence kept for a snapshot: more than any
/// control sequence or title; a longer string (an OSC 52 copy) is cut.
const MAX_PENDING: usize = 4096;

#[derive(Debug, Clone)]
pub struct Filter {
    state: State,
    g: [Charset; 4],
    /// Which of G0/G1 is shifted into GL (SI = 0, SO = 1).
    gl: usize,
    csi: Vec<u8>,
    /// Where the open sequence starts in this call's output: 0 when it
    /// began in an earlier call (whose part went to vt100 already).
    csi_start: usize,
    /// The input since the escape sequence that the input ends in the
    /// middle of began: a snapshot taken now ends with it, so the emulator
    /// that loads it carries on from the same point.
    pending: Vec<u8>,
    string: StringKind,
    /// The text of the OSC or DCS string being read (or just read), without
    /// its introducer and terminator; `None` once it grew past `MAX_STRING`.
    text: Option<Vec<u8>>,
    /// The string ended with BEL rather than ST: a reply ends the same way.
    pub bel: bool,
    /// An ESC cut an OSC or DCS string: a `\\` now is its terminator.
    text_open: bool,
    /// What cells carry besides vt100's attributes.
    pub marks: Marks,
    /// The last character that took room on the screen, as vt100 got it:
    /// what REP (`CSI Ps b`) repeats.
    last: Option<char>,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            state: State::Ground,
            g: [Charset::Ascii; 4],
            gl: 0,
            csi: Vec::with_capacity(MAX_CSI),
            csi_start: 0,
            pending: Vec::new(),
            string: StringKind::Other,
            text: Some(Vec::new()),
            bel: false,
            text_open: false,
            marks: Marks::default(),
            last: None,
        }
    }
}

impl Filter {
    /// Outside any escape sequence: the next byte starts afresh.
    pub fn in_ground(&self) -> bool {
        self.state == State::Ground
    }

    /// The OSC text an `Event::Osc` is about.
    pub fn osc(&self) -> &[u8] {
        self.text.as_deref().unwrap_or_default()
    }

    /// Appends the filtered form of `input` to `out`, and the events found,
    /// each with the offset in `out` where it applies.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>, events: &mut Vec<(usize, Event)>) {
        out.reserve(input.len());
        self.csi_start = out.len();
        let mut i = 0;
        while i < input.len() {
            if self.state == State::Ground
                && self.g[self.gl] == Charset::Ascii
                && !self.marks.active()
            {
                // Fast path: copy up to the next byte that can change anything.
                match memchr3(0x1b, 0x0e, 0x0f, &input[i..]) {
                    None => {
                        out.extend_from_slice(&input[i..]);
                        self.note_text(&input[i..]);
                        return;
                    }
                    Some(n) => {
                        out.extend_from_slice(&input[i..i + n]);
                        self.note_text(&input[i..i + n]);
                        i += n;
                    }
                }
            }
            let b = input[i];
            i += 1;
            let was = self.state;
            let from = out.len();
            self.step(b, out, events);
            if was == State::Ground && self.state == State::Ground {
                self.note_text(&out[from..]);
            }
            if std::mem::take(&mut self.marks.full) {
                events.push((out.len(), Event::MarksFull));
            }
            self.note_pending(was, b);
        }
    }

    /// Remembers the last character in `text` (output written outside any
    /// sequence) that takes room on the screen; marks take none.
    fn note_text(&mut self, text: &[u8]) {
        if let Some(c) = last_graphic(text) {
            self.last = Some(c);
        }
    }

    /// Keeps the bytes of the sequence the input is in the middle of.
    fn note_pending(&mut self, was: State, b: u8) {
        match (was, self.state) {
            (_, State::Ground) => self.pending.clear(),
            // An ESC begins afresh, whatever it ended.
            (State::Ground, _) | (_, State::Escape) if b == 0x1b => {
                self.pending.clear();
                self.pending.push(b);
            }
            // Other C0 controls inside a sequence are obeyed at once (or
            // ignored) and are no part of it: replayed, they would act twice.
            _ if b < 0x20 => {}
            _ if self.pending.len() < MAX_PENDING => self.pending.push(b),
            _ => {}
        }
    }

    /// The start of the escape sequence the input so far ends inside.
    pub fn pending(&self) -> &[u8] {
        &self.pending
    }

    /// One byte, with the state changes vte (vt100's parser) makes: where
    /// a sequence ends must agree with it, or a snapshot taken in the middle
    /// of one would end the copy's differently.
    fn step(&mut self, b: u8, out: &mut Vec<u8>, events: &mut Vec<(usize, Event)>) {
        if self.state == State::Ground {
            match b {
                0x1b => {
                    self.marks.flush(out);
                    out.push(b);
                    self.start_escape(out);
                }
                0x0e => self.gl = 1,
                0x0f => self.gl = 0,
                0x20..=0x7e if self.g[self.gl] == Charset::DecGraphics => {
                    self.marks.flush(out);
                    push_graphic(b, out);
                    self.marks.after_char(out);
                }
                _ if self.marks.active() => self.marks.text_byte(b, out),
                _ => out.push(b),
            }
            return;
        }
        out.push(b);
        match b {
            // Anywhere in a sequence: CAN and SUB cancel it, ESC starts another.
            0x18 | 0x1a => {
                self.state = State::Ground;
                self.text_open = false;
                return;
            }
            0x1b => {
                // Inside a string, the ESC may begin its terminator (ST).
                self.text_open = matches!(self.state, State::Osc | State::DcsData);
                self.start_escape(out);
                return;
            }
            _ => {}
        }
        match self.state {
            State::Ground => {}
            State::Escape => {
                let after_string = std::mem::take(&mut self.text_open);
                self.state = match b {
                    b'(' | b')' | b'*' | b'+' => State::Designate(b),
                    b'[' => {
                        self.csi.clear();
                        State::Csi
                    }
                    b']' => self.start_string(StringKind::Osc, State::Osc),
                    b'P' => self.start_string(StringKind::Dcs, State::Dcs),
                    b'X' | b'^' | b'_' => self.start_string(StringKind::Other, State::SosPmApc),
                    // ST (`ESC \`) ends the OSC or DCS string the ESC cut.
                    b'\\' if after_string => {
                        self.bel = false;
                        self.string_end(out, events);
                        State::Ground
                    }
                    // Index and next line: a line feed, and a carriage
                    // return and line feed (vt100 reads LF as xterm reads IND).
                    b'D' | b'E' => {
                        self.drop_sequence(out);
                        if b == b'E' {
                            out.push(b'\r');
                        }
                        out.push(b'\n');
                        State::Ground
                    }
                    b'c' => {
                        self.g = [Charset::Ascii; 4];
                        self.gl = 0;
                        self.marks.reset();
                        self.last = None;
                        events.push((out.len(), Event::Reset));
                        State::Ground
                    }
                    0x20..=0x2f => State::EscIntermediate,
                    // DECSC and DECRC save and restore the pen with the
                    // cursor: its extras too.
                    b'7' => {
                        self.marks.save();
                        State::Ground
                    }
                    b'8' => {
                        self.marks.restore();
                        State::Ground
                    }
                    0x30..=0x7e => State::Ground,
                    // C0 controls (obeyed), DEL and the rest: still an escape.
                    _ => State::Escape,
                };
            }
            State::Designate(which) => {
                let slot = match which {
                    b'(' => 0,
                    b')' => 1,
                    b'*' => 2,
                    _ => 3,
                };
                match b {
                    0x30..=0x7e => {
                        self.g[slot] = if b == b'0' {
                            Charset::DecGraphics
                        } else {
                            Charset::Ascii
                        };
                        self.state = State::Ground;
                    }
                    // A charset of several bytes: not one we map.
                    0x20..=0x2f => {
                        self.g[slot] = Charset::Ascii;
                        self.state = State::EscIntermediate;
                    }
                    _ => {}
                }
            }
            State::EscIntermediate => {
                if (0x30..=0x7e).contains(&b) {
                    self.state = State::Ground;
                }
            }
            State::Csi => match b {
                0x40..=0x7e => {
                    self.state = State::Ground;
                    self.csi_final(b, out, events);
                }
                0x20..=0x3f if self.csi.len() < MAX_CSI => self.csi.push(b),
                // C0 controls are obeyed, DEL and others ignored: not parameters.
                _ => {}
            },
            State::Osc => {
                if b == 0x07 {
                    self.state = State::Ground;
                    self.text_open = false;
                    self.bel = true;
                    self.string_end(out, events);
                } else {
                    self.keep_text(b);
                }
            }
            State::Dcs => {
                if (0x40..=0x7e).contains(&b) {
                    self.state = State::DcsData;
                }
                self.keep_text(b);
            }
            State::DcsData => {
                if b == 0x9c {
                    self.state = State::Ground;
                    self.text_open = false;
                    self.bel = false;
                    self.string_end(out, events);
                } else {
                    self.keep_text(b);
                }
            }
            State::SosPmApc => {}
        }
    }

    /// An OSC, DCS or other string begins: its text is kept for reading.
    fn start_string(&mut self, kind: StringKind, state: State) -> State {
        self.string = kind;
        self.text = Some(Vec::new());
        state
    }

    fn keep_text(&mut self, b: u8) {
        if let Some(text) = &mut self.text {
            let clipboard = self.string == StringKind::Osc && text.starts_with(b"52;");
            if text.len() < MAX_STRING || (clipboard && text.len() < MAX_CLIPBOARD) {
                text.push(b);
            } else {
                self.text = None;
            }
        }
    }

    /// ESC (just written to `out`) starts a sequence, ending any other.
    fn start_escape(&mut self, out: &[u8]) {
        self.csi_start = out.len() - 1;
        self.state = State::Escape;
    }

    fn csi_final(&mut self, fin: u8, out: &mut Vec<u8>, events: &mut Vec<(usize, Event)>) {
        let body = &self.csi[..];
        let (private, params) = match body.first() {
            Some(p @ (b'?' | b'>' | b'<' | b'=')) => (Some(*p), &body[1..]),
            _ => (None, body),
        };
        if let Some(at) = params.iter().position(|c| (0x20..=0x2f).contains(c)) {
            // With an intermediate, only DECRQM (`$ p`) is ours.
            if &params[at..] == b"$" && fin == b'p' {
                let mode = parse_param(&params[..at]).unwrap_or(0);
                let asked = Asked::Mode {
                    private: private == Some(b'?'),
                    mode,
                };
                events.push((out.len(), Event::Asked(asked)));
            }
            return;
        }
        if params.iter().any(|c| (0x3c..=0x3f).contains(c)) {
            return; // a private marker past the start: vte ignores the sequence
        }
        let mut nums = params.split(|&c| c == b';').map(parse_param);
        let first = params.split(|&c| c == b';').next().and_then(parse_param);
        let asked = match (private, fin, first.unwrap_or(0)) {
            (None, b'c', 0) => Some(Asked::PrimaryAttributes),
            (Some(b'>'), b'c', 0) => Some(Asked::SecondaryAttributes),
            (Some(b'='), b'c', 0) => Some(Asked::TertiaryAttributes),
            (None, b'n', 5) => Some(Asked::Status),
            (None, b'n', 6) => Some(Asked::CursorPosition { extended: false }),
            (Some(b'?'), b'n', 6) => Some(Asked::CursorPosition { extended: true }),
            (Some(b'>'), b'q', 0) => Some(Asked::Version),
            (None, b't', 14) => Some(Asked::WindowPixels),
            (None, b't', 16) => Some(Asked::CellPixels),
            (None, b't', 18) => Some(Asked::WindowChars),
            _ => None,
        };
        if let Some(asked) = asked {
            events.push((out.len(), Event::Asked(asked)));
            return;
        }
        match (private, fin) {
            (None, b'm') if needs_rewrite(params) => {
                self.marks.sgr(params);
                // The ESC it starts with ends whatever vt100 held open, as
                // the one taken out would have.
                let sgr = rewrite_sgr(params);
                out.truncate(self.csi_start);
                out.extend_from_slice(b"\x1b[");
                out.extend_from_slice(sgr.as_bytes());
                out.push(b'm');
            }
            (None, b'm') => self.marks.sgr(params),
            (None, b'r') => {
                let top = nums.next().flatten().unwrap_or(1).max(1);
                let bottom = nums.next().flatten().unwrap_or(0);
                events.push((out.len(), Event::ScrollRegion { top, bottom }));
            }
            (None, b'J') if nums.next().flatten() == Some(3) => {
                events.push((out.len(), Event::ClearHistory));
            }
            (None, b'Z') => {
                let n = nums.next().flatten().unwrap_or(1).max(1);
                self.drop_sequence(out);
                events.push((out.len(), Event::BackTab(n)));
            }
            (Some(b'?'), b'h' | b'l') => {
                let on = fin == b'h';
                let modes: Vec<u16> = nums.flatten().collect();
                // Events stay in stream order: this one goes before the sequence.
                if on && modes.iter().any(|m| matches!(m, 47 | 1049)) {
                    events.push((self.csi_start, Event::AltEnter));
                }
                // Like DECSC and DECRC for the pen's extras.
                if modes.iter().any(|m| matches!(m, 1048 | 1049)) {
                    if on {
                        self.marks.save();
                    } else {
                        self.marks.restore();
                    }
                }
                for mode in modes {
                    // Modes vt100 does not keep; it ignores them.
                    if matches!(mode, 6 | 7 | 1004 | 1016 | 2026) {
                        events.push((out.len(), Event::Mode { mode, on }));
                    }
                }
            }
            // SCO save and restore cursor: DECSC and DECRC to vt100.
            (None, b's' | b'u') if params.is_empty() => {
                if fin == b's' {
                    self.marks.save();
                } else {
                    self.marks.restore();
                }
                out.truncate(self.csi_start);
                out.extend_from_slice(if fin == b's' { b"\x1b7" } else { b"\x1b8" });
            }
            // REP: vt100 repeats the bare character; with the pen's extras
            // each copy needs its mark, so the copies are written out here.
            (None, b'b') if self.marks.active() => {
                let n = nums.next().flatten().unwrap_or(1).max(1);
                self.drop_sequence(out);
                if let Some(c) = self.last {
                    let mut utf8 = [0u8; 4];
                    for _ in 0..n {
                        out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                        self.marks.after_char(out);
                    }
                }
            }
            (None, b'I') => {
                let n = nums.next().flatten().unwrap_or(1).clamp(1, 256);
                self.drop_sequence(out);
                out.extend(std::iter::repeat_n(b'\t', usize::from(n)));
            }
            _ => {}
        }
    }

    /// Takes the sequence that just ended out of the output, leaving a CAN
    /// in its place: it ends what vt100 may still hold open, as the ESC
    /// taken out would have (another sequence it cut short, or the start
    /// of this one, sent with an earlier call); vt100 ignores it otherwise.
    fn drop_sequence(&self, out: &mut Vec<u8>) {
        out.truncate(self.csi_start);
        out.push(0x18);
    }

    /// An OSC or DCS string ended: the ones the emulator reads are reported.
    fn string_end(&mut self, out: &[u8], events: &mut Vec<(usize, Event)>) {
        let Some(text) = &self.text else {
            return;
        };
        let at = out.len();
        match self.string {
            StringKind::Osc => {
                let number = text.split(|&b| b == b';').next().unwrap_or_default();
                match number {
                    b"8" => self.marks.link(text),
                    b"sessui-mark" => self.marks.define(text),
                    _ => {}
                }
                if matches!(
                    number,
                    b"4" | b"7"
                        | b"8"
                        | b"10"
                        | b"11"
                        | b"12"
                        | b"52"
                        | b"104"
                        | b"110"
                        | b"111"
                        | b"112"
                ) {
                    events.push((at, Event::Osc));
                }
            }
            StringKind::Dcs => {
                if let Some(setting) = text.strip_prefix(b"$q") {
                    let asked = Asked::Setting(setting.to_vec());
                    events.push((at, Event::Asked(asked)));
                } else if let Some(names) = text.strip_prefix(b"+q") {
                    let asked = Asked::Capabilities(names.to_vec());
                    events.push((at, Event::Asked(asked)));
                }
            }
            StringKind::Other => {}
        }
    }

    /// Escape sequences that put a fresh filter into this one's charset state;
    /// a snapshot ends with them (after the screen text, which is already Unicode).
    pub fn state_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (slot, intro) in [b'(', b')', b'*', b'+'].into_iter().enumerate() {
            if self.g[slot] == Charset::DecGraphics {
                out.extend_from_slice(&[0x1b, intro, b'0']);
            }
        }
        if self.gl == 1 {
            out.push(0x0e);
        }
        out.extend_from_slice(&self.marks.state_bytes(true));
        out
    }
}

/// The last character in `bytes` that takes room on the screen (UTF-8 cut
/// short at either end is skipped): what vt100 remembers for REP.
fn last_graphic(bytes: &[u8]) -> Option<char> {
    use unicode_width::UnicodeWidthChar as _;
    let mut end = bytes.len();
    while end > 0 {
        let mut start = end - 1;
        while start > 0 && end - start < 4 && bytes[start] & 0xc0 == 0x80 {
            start -= 1;
        }
        let c = std::str::from_utf8(&bytes[start..end])
            .ok()
            .and_then(|s| s.chars().next());
        if let Some(c) = c.filter(|c| c.width().is_some_and(|w| w > 0)) {
            return Some(c);
        }
        end = start;
    }
    None
}

/// Whether vt100 would misread this SGR: sub-parameters (`4:3`,
/// `38:2::r:g:b`) it does not parse, or an underline colour (`58;5;1`), whose
/// arguments it takes for attributes of their own (`1` is bold).
fn needs_rewrite(params: &[u8]) -> bool {
    params.contains(&b':')
        || params
            .split(|&c| c == b';')
            .any(|p| p == b"58" || p == b"59" || p == b"21")
}

/// The SGR's parameters as vt100 reads them right: colours in sub-parameter
/// form become the `;` form, `4:n` an underline on or off, and the underline
/// colour (which vt100 cannot keep) is left out with its arguments.
fn rewrite_sgr(params: &[u8]) -> String {
    let groups: Vec<Vec<Option<u16>>> = params
        .split(|&c| c == b';')
        .map(|g| g.split(|&c| c == b':').map(parse_param).collect())
        .collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < groups.len() {
        let g = &groups[i];
        i += 1;
        let code = g.first().copied().flatten().unwrap_or(0);
        if g.len() > 1 {
            let sub: Vec<u16> = g[1..].iter().map(|v| v.unwrap_or(0)).collect();
            match (code, sub.as_slice()) {
                (38 | 48, [5, n, ..]) => out.push(format!("{code};5;{n}")),
                // With or without the colour space id before r, g, b.
                (38 | 48, [2, _, r, g, b, ..] | [2, r, g, b]) => {
                    out.push(format!("{code};2;{r};{g};{b}"))
                }
                (4, [0, ..]) => out.push("24".into()),
                (4, [_, ..]) => out.push("4".into()),
                _ => {}
            }
            continue;
        }
        match code {
            58 => {
                // `58;5;n` or `58;2;r;g;b`: its arguments are not attributes.
                let kind = groups.get(i).and_then(|g| g.first().copied().flatten());
                i += match kind {
                    Some(5) => 2,
                    Some(2) => 4,
                    _ => 0,
                };
            }
            59 => {}
            // Double underline: vt100 knows one underline.
            21 => out.push("4".into()),
            38 | 48 => {
                let kind = groups.get(i).and_then(|g| g.first().copied().flatten());
                let n = match kind {
                    Some(5) => 2,
                    Some(2) => 4,
                    _ => 0,
                };
                let args: Vec<String> = groups[i..(i + n).min(groups.len())]
                    .iter()
                    .map(|g| g.first().copied().flatten().unwrap_or(0).to_string())
                    .collect();
                i += n;
                out.push(
                    std::iter::once(code.to_string())
                        .chain(args)
                        .collect::<Vec<_>>()
                        .join(";"),
                );
            }
            n => out.push(n.to_string()),
        }
    }
    if out.is_empty() {
        // Nothing vt100 keeps; an empty SGR would reset every attribute,
        // where an unknown one (vt100 skips it) changes nothing.
        return "59".to_string();
    }
    out.join(";")
}

fn parse_param(p: &[u8]) -> Option<u16> {
    if p.is_empty() {
        return None;
    }
    let mut n: u16 = 0;
    for &c in p {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n.saturating_mul(10).saturating_add(u16::from(c - b'0'));
    }
    Some(n)
}

fn memchr3(a: u8, b: u8, c: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&x| x == a || x == b || x == c)
}

/// DEC special graphics for 0x5f..=0x7e, as xterm draws them.
fn push_graphic(b: u8, out: &mut Vec<u8>) {
    const MAP: [char; 32] = [
        '\u{a0}', '◆', '▒', '␉', '␌', '␍', '␊', '°', '±', '␤', '␋', '┘', '┐', '┌', '└', '┼', '⎺',
        '⎻', '─', '⎼', '⎽', '├', '┤', '┴', '┬', '│', '≤', '≥', 'π', '≠', '£', '·',
    ];
    if b >= 0x5f {
        let mut tmp = [0u8; 4];
        out.extend_from_slice(MAP[usize::from(b - 0x5f)].encode_utf8(&mut tmp).as_bytes());
    } else {
        out.push(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: &mut Filter, input: &[u8]) -> (String, Vec<(usize, Event)>) {
        let mut out = Vec::new();
        let mut ev = Vec::new();
        f.feed(input, &mut out, &mut ev);
        (String::from_utf8(out).unwrap(), ev)
    }

    #[test]
    fn plain_text_passes_untouched() {
        let mut f = Filter::default();
        let (out, ev) = run(&mut f, "héllo \x1b[31mred\x1b[m 世界\r\n".as_bytes());
        assert_eq!(out, "héllo \x1b[31mred\x1b[m 世界\r\n");
        assert!(ev.is_empty());
    }

    #[test]
    fn dec_graphics_become_box_drawing() {
        let mut f = Filter::default();
        let (out, _) = run(&mut f, b"\x1b(0lqqk\x1b(B ok");
        assert_eq!(out, "\x1b(0┌──┐\x1b(B ok");
        // SO/SI with G1 designated
        let (out, _) = run(&mut f, b"\x1b)0a\x0ex\x0fx");
        assert_eq!(out, "\x1b)0a│x");
    }

    #[test]
    fn graphics_state_survives_chunk_splits_and_escapes_are_not_mapped() {
        let mut f = Filter::default();
        let (a, _) = run(&mut f, b"\x1b(");
        let (b, _) = run(&mut f, b"0q\x1b[1");
        let (c, _) = run(&mut f, b"mq");
        assert_eq!(format!("{a}{b}{c}"), "\x1b(0─\x1b[1m─");
        assert_eq!(f.state_bytes(), b"\x1b(0");
    }

    #[test]
    fn alt_screen_entry_is_marked_before_the_sequence() {
        let mut f = Filter::default();
        let (out, ev) = run(&mut f, b"abc\x1b[?1049hvim");
        assert_eq!(out, "abc\x1b[?1049hvim");
        assert_eq!(ev, vec![(3, Event::AltEnter)]);
        let (_, ev) = run(&mut f, b"\x1b[?1049l\x1b[?25h");
        assert!(ev.is_empty());
    }

    #[test]
    fn tabs_vt100_lacks_are_handled() {
        let mut f = Filter::default();
        // each leaves a CAN (which vt100 ignores) where the sequence was
        let (out, ev) = run(&mut f, b"a\x1b[2Ib\x1b[Zc");
        assert_eq!(out, "a\x18\t\tb\x18c");
        assert_eq!(ev, vec![(6, Event::BackTab(1))]);
    }

    #[test]
    fn regions_and_history_clears_are_reported() {
        let mut f = Filter::default();
        let (out, ev) = run(&mut f, b"\x1b[2;20r\x1b[3J\x1b[r");
        assert_eq!(
            ev,
            vec![
                (7, Event::ScrollRegion { top: 2, bottom: 20 }),
                (11, Event::ClearHistory),
                (14, Event::ScrollRegion { top: 1, bottom: 0 }),
            ]
        );
        assert_eq!(out.len(), 14);
    }

    #[test]
    fn sgr_forms_vt100_misreads_are_rewritten() {
        let mut e = crate::term::Emulator::new(20, 2, 0);
        // An underline colour's arguments are not bold (1) or blink (5).
        e.process(b"\x1b[58;5;1mA\x1b[58;2;1;2;3mB\x1b[m");
        assert!(!e.cell(0, 0).unwrap().bold() && !e.cell(0, 1).unwrap().bold());
        // Sub-parameter forms of colours and underline styles.
        e.process(b"\x1b[38:2::1:2:3;4:3mC\x1b[38:5:200;4:0mD");
        let c = e.cell(0, 2).unwrap();
        assert_eq!(c.fgcolor(), vt100::Color::Rgb(1, 2, 3));
        assert!(c.underline());
        let d = e.cell(0, 3).unwrap();
        assert_eq!(d.fgcolor(), vt100::Color::Idx(200));
        assert!(!d.underline());
        // Plain SGRs are left as they are.
        let mut f = Filter::default();
        let (out, _) = run(&mut f, b"\x1b[1;38;2;1;2;3mx");
        assert_eq!(out, "\x1b[1;38;2;1;2;3mx");
    }

    #[test]
    fn osc_text_is_not_interpreted() {
        let mut f = Filter::default();
        let (out, ev) = run(&mut f, b"\x1b]0;\x0e title\x1b[?1049h\x07q");
        assert_eq!(out, "\x1b]0;\x0e title\x1b[?1049h\x07q");
        assert_eq!(ev, vec![(11, Event::AltEnter)]);
    }

    /// Strings and sequences end where vt100's parser ends them: an ESC
    /// starts a new sequence even inside a string, CAN and SUB cancel,
    /// BEL ends only an OSC.
    #[test]
    fn sequences_end_where_vte_ends_them() {
        let mut f = Filter::default();
        run(&mut f, b"\x1b]0;title\x1b(0q");
        assert_eq!(f.state_bytes(), b"\x1b(0");
        run(&mut f, b"\x1b(B\x1b^private\x18");
        assert!(f.in_ground());
        run(&mut f, b"\x1bPq\x07data");
        assert!(!f.in_ground(), "BEL does not end a DCS");
        run(&mut f, b"\x1b\\");
        assert!(f.in_ground());
        let (_, ev) = run(&mut f, b"\x1b[2;\n5r\x1b[1;5?r");
        assert_eq!(ev, vec![(7, Event::ScrollRegion { top: 2, bottom: 5 })]);
    }
}
