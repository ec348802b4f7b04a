//! The text the benchmarks print: deterministic mixed lines of plain ASCII,
//! SGR colours (16, 256 and 24-bit) and CJK, none wider than the view.

use std::io::Write;
use std::path::Path;

/// Widest line in display columns: narrower than the 120-column view, so
/// one line is one screen row and one history line.
const MAX_COLUMNS: usize = 110;

/// A small fixed-seed generator (splitmix64): the same bytes on every run
/// and every machine, without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "session",
    "terminal",
    "output",
    "build",
    "cargo",
    "error",
    "warning",
    "compiling",
    "test",
    "passed",
    "failed",
    "request",
    "latency",
    "ok",
    "GET",
    "/api/v1/items",
    "200",
    "user",
    "shell",
    "socket",
    "frame",
    "render",
    "scroll",
    "history",
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
];

/// One line of ASCII words, `budget` columns at most.
fn ascii_line(rng: &mut Rng, out: &mut Vec<u8>, budget: usize) {
    let target = 20 + rng.below((budget - 20) as u64) as usize;
    let mut width = 0;
    while width < target && push_word(rng, out, &mut width, budget) {}
}

/// Appends a random word and a space if they fit in `budget` columns.
fn push_word(rng: &mut Rng, out: &mut Vec<u8>, width: &mut usize, budget: usize) -> bool {
    let w = WORDS[rng.below(WORDS.len() as u64) as usize];
    if *width + w.len() + 1 > budget {
        return false;
    }
    out.extend_from_slice(w.as_bytes());
    out.push(b' ');
    *width += w.len() + 1;
    true
}

/// A line like a coloured log or compiler message: every few words an SGR change.
fn sgr_line(rng: &mut Rng, out: &mut Vec<u8>, budget: usize) {
    let target = 20 + rng.below((budget - 20) as u64) as usize;
    let mut width = 0;
    while width < target {
        match rng.below(5) {
            0 => {
                let _ = write!(out, "\x1b[{}m", 31 + rng.below(7));
            }
            1 => {
                let _ = write!(out, "\x1b[1;{}m", 91 + rng.below(7));
            }
            2 => {
                let _ = write!(out, "\x1b[38;5;{}m", rng.below(256));
            }
            3 => {
                let (r, g, b) = (rng.below(256), rng.below(256), rng.below(256));
                let _ = write!(out, "\x1b[38;2;{r};{g};{b}m\x1b[48;5;{}m", rng.below(16));
            }
            _ => out.extend_from_slice(b"\x1b[0m"),
        }
        if !push_word(rng, out, &mut width, budget) {
            break;
        }
    }
    out.extend_from_slice(b"\x1b[0m");
}

/// CJK ideographs (two columns each) with some ASCII between them.
fn cjk_line(rng: &mut Rng, out: &mut Vec<u8>, budget: usize) {
    let target = 10 + rng.below((budget - 10) as u64) as usize;
    let mut width = 0;
    while width + 2 <= target {
        if rng.below(8) == 0 {
            out.extend_from_slice(b" ok ");
            width += 4;
            continue;
        }
        let c = char::from_u32(0x4e00 + rng.below(0x5000) as u32).unwrap_or('字');
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        width += 2;
    }
}

/// Writes mixed text to `path` until it holds at least `bytes` bytes, or
/// exactly `lines` lines when given. Returns (bytes, lines) written.
pub fn write_mixed(path: &Path, bytes: u64, lines: Option<u64>) -> std::io::Result<(u64, u64)> {
    let mut rng = Rng(0x5e55_0e1b_e7c4_0001);
    let file = std::fs::File::create(path)?;
    let mut w = std::io::BufWriter::new(file);
    let (mut written, mut count) = (0u64, 0u64);
    let mut line = Vec::with_capacity(1024);
    loop {
        let done = match lines {
            Some(n) => count >= n,
            None => written >= bytes,
        };
        if done {
            break;
        }
        line.clear();
        match rng.below(10) {
            0..=4 => ascii_line(&mut rng, &mut line, MAX_COLUMNS),
            5..=7 => sgr_line(&mut rng, &mut line, MAX_COLUMNS),
            _ => cjk_line(&mut rng, &mut line, MAX_COLUMNS),
        }
        line.push(b'\n');
        w.write_all(&line)?;
        written += line.len() as u64;
        count += 1;
    }
    w.flush()?;
    Ok((written, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_bytes_every_time_and_no_line_wider_than_the_view() {
        let dir = std::env::temp_dir().join(format!("sessui-bench-data-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a"), dir.join("b"));
        let (bytes, lines) = write_mixed(&a, 200_000, None).unwrap();
        write_mixed(&b, 200_000, None).unwrap();
        assert!(bytes >= 200_000 && lines > 1000);
        let text = std::fs::read(&a).unwrap();
        assert_eq!(text, std::fs::read(&b).unwrap());
        let mut emu = sessui::testing::term::Emulator::new(120, 5, 0);
        for line in text.split(|&c| c == b'\n').take(2000) {
            emu.process(b"\x1b[H\x1b[2J");
            emu.process(line);
            assert_eq!(emu.cursor_position().0, 0, "a line wrapped");
        }
        assert!(String::from_utf8_lossy(&text).contains("\x1b[38;2;"));
        let (_, n) = write_mixed(&a, 0, Some(500)).unwrap();
        assert_eq!(n, 500);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
