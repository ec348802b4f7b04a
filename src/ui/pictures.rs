//! The pictures in the README and docs/, drawn by the real UI.
//!
//! Each test here drives `update` and `render` into a test backend, as the
//! snapshot tests do, and turns the screen into an SVG image under
//! `docs/pictures/`. A picture that no longer matches what the UI draws
//! fails the test, so the docs cannot show a screen the program no longer
//! has; `UPDATE_PICTURES=1 cargo test --lib pictures` redraws them.

use std::fmt::Write as _;
use std::path::PathBuf;

use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;

use super::tests::{attach, ctrl, draw, key, preview_of, sessions, ui, update};
use super::update::UiEvent;

/// Pixels per cell: a 14 px monospace font is about 8.4 px wide.
const CELL_W: f32 = 8.4;
const CELL_H: f32 = 17.0;
const FONT: &str = "'DejaVu Sans Mono','Menlo','Consolas',monospace";
const DEFAULT_FG: &str = "#d0d0d0";
const DEFAULT_BG: &str = "#1c1c1c";

/// The sixteen colours of the Tango palette, which reads well on a dark
/// background.
const ANSI: [&str; 16] = [
    "#2e3436", "#cc0000", "#4e9a06", "#c4a000", "#3465a4", "#75507b", "#06989a", "#d3d7cf",
    "#555753", "#ef2929", "#8ae234", "#fce94f", "#729fcf", "#ad7fa8", "#34e2e2", "#eeeeec",
];

fn indexed(n: u8) -> String {
    match n {
        0..=15 => ANSI[usize::from(n)].to_string(),
        16..=231 => {
            let n = n - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            format!(
                "#{:02x}{:02x}{:02x}",
                level(n / 36),
                level((n / 6) % 6),
                level(n % 6)
            )
        }
        _ => {
            let v = 8 + 10 * (n - 232);
            format!("#{v:02x}{v:02x}{v:02x}")
        }
    }
}

/// A colour as SVG writes it; `None` for the terminal's default.
fn colour(c: Color) -> Option<String> {
    let named = |i: u8| Some(indexed(i));
    match c {
        Color::Reset => None,
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => named(8),
        Color::LightRed => named(9),
        Color::LightGreen => named(10),
        Color::LightYellow => named(11),
        Color::LightBlue => named(12),
        Color::LightMagenta => named(13),
        Color::LightCyan => named(14),
        Color::White => named(15),
        Color::Indexed(i) => named(i),
        Color::Rgb(r, g, b) => Some(format!("#{r:02x}{g:02x}{b:02x}")),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One cell's look, resolved: colours after inverse, and the text styles.
#[derive(Clone, PartialEq)]
struct Look {
    fg: String,
    bg: Option<String>,
    bold: bool,
    italic: bool,
    dim: bool,
    underline: bool,
    strike: bool,
}

fn look(cell: &ratatui::buffer::Cell) -> Look {
    let mut fg = colour(cell.fg);
    let mut bg = colour(cell.bg);
    if cell.modifier.contains(Modifier::REVERSED) {
        std::mem::swap(&mut fg, &mut bg);
        fg = fg.or_else(|| Some(DEFAULT_BG.to_string()));
        bg = bg.or_else(|| Some(DEFAULT_FG.to_string()));
    }
    Look {
        fg: fg.unwrap_or_else(|| DEFAULT_FG.to_string()),
        bg,
        bold: cell.modifier.contains(Modifier::BOLD),
        italic: cell.modifier.contains(Modifier::ITALIC),
        dim: cell.modifier.contains(Modifier::DIM),
        underline: cell.modifier.contains(Modifier::UNDERLINED),
        strike: cell.modifier.contains(Modifier::CROSSED_OUT),
    }
}

/// The screen as an SVG image: a background per run of cells, then the
/// text of each run stretched to its cells so every font lines up.
pub(super) fn svg(buf: &Buffer) -> String {
    let (w, h) = (buf.area.width, buf.area.height);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{:.0}" height="{:.0}" font-family="{FONT}" font-size="14">"#,
        f32::from(w) * CELL_W + 16.0,
        f32::from(h) * CELL_H + 16.0,
    );
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" rx="6" fill="{DEFAULT_BG}"/>"#
    );
    out.push_str("<g transform=\"translate(8,8)\">\n");
    for y in 0..h {
        let mut x = 0;
        while x < w {
            let first = look(&buf[(x, y)]);
            let mut text = String::new();
            let mut end = x;
            while end < w && look(&buf[(end, y)]) == first {
                let symbol = buf[(end, y)].symbol();
                text.push_str(symbol);
                // A wide character's second cell is drawn by the first.
                end += u16::try_from(symbol.width().max(1)).unwrap_or(1);
            }
            let end = end.min(w);
            run(&mut out, x, y, end - x, &first, &text);
            x = end;
        }
    }
    out.push_str("</g>\n</svg>\n");
    out
}

fn run(out: &mut String, x: u16, y: u16, cells: u16, look: &Look, text: &str) {
    let (px, py) = (f32::from(x) * CELL_W, f32::from(y) * CELL_H);
    let width = f32::from(cells) * CELL_W;
    if let Some(bg) = &look.bg {
        let _ = writeln!(
            out,
            r#"<rect x="{px:.1}" y="{py:.1}" width="{width:.1}" height="{CELL_H}" fill="{bg}"/>"#
        );
    }
    let trimmed = text.trim_end();
    if trimmed.is_empty() {
        return;
    }
    let used = cells as usize - (text.width() - trimmed.width());
    let mut attrs = format!(r#"fill="{}""#, look.fg);
    if look.bold {
        attrs.push_str(r#" font-weight="bold""#);
    }
    if look.italic {
        attrs.push_str(r#" font-style="italic""#);
    }
    if look.dim {
        attrs.push_str(r#" opacity="0.6""#);
    }
    match (look.underline, look.strike) {
        (true, true) => attrs.push_str(r#" text-decoration="underline line-through""#),
        (true, false) => attrs.push_str(r#" text-decoration="underline""#),
        (false, true) => attrs.push_str(r#" text-decoration="line-through""#),
        (false, false) => {}
    }
    let _ = writeln!(
        out,
        r#"<text x="{px:.1}" y="{:.1}" textLength="{:.1}" lengthAdjust="spacingAndGlyphs" xml:space="preserve" {attrs}>{}</text>"#,
        py + CELL_H - 4.0,
        used as f32 * CELL_W,
        escape(trimmed)
    );
}

/// Compares `buf` with the picture `name` in docs/pictures, or writes it
/// when `UPDATE_PICTURES` is set.
pub(super) fn picture(name: &str, buf: &Buffer) {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "docs", "pictures", name]
        .iter()
        .collect();
    let drawn = svg(buf);
    if std::env::var_os("UPDATE_PICTURES").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, drawn).unwrap();
        return;
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        kept == drawn,
        "{} no longer shows what the UI draws; redraw the docs' pictures with \
         `UPDATE_PICTURES=1 cargo test --lib pictures` and look at them",
        path.display()
    );
}

#[test]
fn the_list() {
    let mut ui = ui();
    ui.size = (100, 14);
    picture("list.svg", draw(&ui).backend().buffer());
}

#[test]
fn the_create_prompt() {
    let mut ui = ui();
    ui.size = (100, 14);
    update(&mut ui, key(KeyCode::Char('n')));
    for c in "deploy".chars() {
        update(&mut ui, key(KeyCode::Char(c)));
    }
    picture("create.svg", draw(&ui).backend().buffer());
}

#[test]
fn an_attached_view() {
    let mut ui = ui();
    ui.size = (100, 16);
    attach(
        &mut ui,
        sessions()[0].clone(),
        concat!(
            "\x1b[1;32mdev@box\x1b[m:\x1b[1;34m~/src/app\x1b[m$ cargo test\r\n",
            "   Compiling app v0.3.1\r\n",
            "    Finished `test` profile in 4.21s\r\n",
            "running 3 tests\r\n",
            "test store::saves ... \x1b[32mok\x1b[m\r\n",
            "test ui::draws ... \x1b[32mok\x1b[m\r\n",
            "test net::retries ... \x1b[31mFAILED\x1b[m\r\n",
            "\r\n",
            "\x1b[1;32mdev@box\x1b[m:\x1b[1;34m~/src/app\x1b[m$ ",
        )
        .as_bytes(),
    );
    picture("attached.svg", draw(&ui).backend().buffer());
}

#[test]
fn copy_mode_with_a_search_and_a_selection() {
    let mut ui = ui();
    ui.size = (100, 16);
    attach(
        &mut ui,
        sessions()[0].clone(),
        concat!(
            "\x1b[1;32mdev@box\x1b[m:\x1b[1;34m~/src/app\x1b[m$ tail -n 8 server.log\r\n",
            "12:00:01 listening on :8080\r\n",
            "12:00:07 GET /health 200\r\n",
            "12:00:09 error: upstream db1 timed out after 5s\r\n",
            "12:00:12 GET /users 200\r\n",
            "12:00:15 error: retry 1 of 3 for db1\r\n",
            "12:00:16 GET /users 200\r\n",
            "12:00:21 reconnected to db1\r\n",
            "\x1b[1;32mdev@box\x1b[m:\x1b[1;34m~/src/app\x1b[m$ ",
        )
        .as_bytes(),
    );
    update(&mut ui, ctrl('b'));
    update(&mut ui, key(KeyCode::Char('[')));
    for c in "?error".chars() {
        update(&mut ui, key(KeyCode::Char(c)));
    }
    update(&mut ui, key(KeyCode::Enter));
    for c in "v$".chars() {
        update(&mut ui, key(KeyCode::Char(c)));
    }
    picture("copy.svg", draw(&ui).backend().buffer());
}

#[test]
fn the_list_with_its_live_preview() {
    let mut ui = ui();
    update(&mut ui, UiEvent::Resize(160, 16));
    let generation = ui.preview.current.as_ref().map_or(0, |p| p.generation);
    let output = concat!(
        "$ cargo build --release\r\n",
        "   Compiling app v0.3.1\r\n",
        "    Finished `release` profile in 41.8s\r\n",
        "$ ./target/release/app --port 8080\r\n",
        "listening on :8080\r\n",
    );
    update(&mut ui, preview_of(generation, 70, 12, output.as_bytes()));
    picture("preview.svg", draw(&ui).backend().buffer());
}

#[test]
fn help_at_80x24() {
    let mut ui = ui();
    ui.size = (80, 24);
    update(&mut ui, key(KeyCode::Char('?')));
    picture("help.svg", draw(&ui).backend().buffer());
}

#[test]
fn a_wide_character_takes_two_cells_and_is_written_once() {
    let mut buf = Buffer::empty(ratatui::layout::Rect::new(0, 0, 4, 1));
    buf.set_string(0, 0, "日a", ratatui::style::Style::default());
    let drawn = svg(&buf);
    assert_eq!(drawn.matches('日').count(), 1, "{drawn}");
    assert!(drawn.contains(">日a</text>"), "{drawn}");
}
