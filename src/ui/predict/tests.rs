//! The prediction rules against a screen kept by hand (the real model is
//! exercised by tests/predict.rs through a slow link).

use super::*;
use ratatui::layout::Rect;

/// A screen: rows of single-width text, a cursor, which buffer is shown.
struct Fake {
    rows: Vec<Vec<String>>,
    cursor: (u16, u16),
    alt: bool,
}

impl Fake {
    fn new(line: &str) -> Fake {
        let mut rows = vec![vec![String::new(); 20]; 3];
        for (i, c) in line.chars().enumerate() {
            rows[0][i] = c.to_string();
        }
        Fake {
            rows,
            cursor: (0, line.chars().count() as u16),
            alt: false,
        }
    }
    /// The session echoes `text` at the cursor.
    fn echo(&mut self, text: &str) {
        for c in text.chars() {
            let (r, col) = self.cursor;
            self.rows[r as usize][col as usize] = c.to_string();
            self.cursor.1 += 1;
        }
    }
    fn line(&self) -> String {
        self.rows[0]
            .iter()
            .map(|t| if t.is_empty() { " " } else { t })
            .collect::<String>()
    }
}

impl ScreenRead for Fake {
    fn size(&self) -> (u16, u16) {
        (20, 3)
    }
    fn text(&self, row: u16, col: u16) -> String {
        self.rows[row as usize][col as usize].clone()
    }
    fn cursor(&self) -> (u16, u16) {
        self.cursor
    }
    fn alternate(&self) -> bool {
        self.alt
    }
}

fn always() -> Predictor {
    Predictor::new(Settings {
        mode: PredictMode::Always,
        threshold: Duration::from_millis(30),
    })
}

/// What the view shows: the screen with the overlay on top.
fn shown(p: &Predictor, s: &Fake) -> String {
    let mut rows = s.rows.clone();
    for (r, c, t) in p.overlay().cells {
        rows[r as usize][c as usize] = t;
    }
    rows[0]
        .iter()
        .map(|t| if t.is_empty() { " " } else { t })
        .collect::<String>()
}

/// A predictor past its first confirmation: what is typed next shows at once.
fn warmed(s: &mut Fake, t: Instant) -> Predictor {
    let mut p = always();
    p.follow_rtt();
    p.key(Key::Char('l'), s, t);
    assert!(
        p.overlay().is_empty(),
        "the first guess waits for a confirmation"
    );
    s.echo("l");
    p.judge(s, t);
    p
}

#[test]
fn typed_characters_show_at_once_once_an_echo_confirmed_the_epoch() {
    let t = Instant::now();
    let mut s = Fake::new("$ ");
    let mut p = warmed(&mut s, t);
    p.key(Key::Char('s'), &s, t);
    assert!(p.take_changed());
    assert_eq!(shown(&p, &s).trim_end(), "$ ls");
    assert_eq!(p.overlay().cursor, Some((0, 4)));
    s.echo("s");
    p.judge(&s, t);
    assert!(
        p.overlay().is_empty(),
        "the echo confirmed it: nothing is drawn over the truth"
    );
}

#[test]
fn a_different_echo_drops_every_guess_and_shows_the_truth() {
    let t = Instant::now();
    let mut s = Fake::new("$ ");
    let mut p = warmed(&mut s, t);
    p.key(Key::Char('a'), &s, t);
    p.key(Key::Char('b'), &s, t);
    assert_eq!(shown(&p, &s).trim_end(), "$ lab");
    s.echo("A");
    p.judge(&s, t);
    assert!(p.overlay().is_empty());
    assert_eq!(shown(&p, &s).trim_end(), "$ lA");
    // And what is typed next waits for its own confirmation.
    p.key(Key::Char('c'), &s, t);
    assert!(p.overlay().is_empty());
}

#[test]
fn nothing_shows_after_enter_until_the_new_line_echoes() {
    let t = Instant::now();
    let mut s = Fake::new("$ ");
    let mut p = warmed(&mut s, t);
    p.key(Key::Other, &s, t); // Enter: a password prompt may follow.
    p.key(Key::Char('s'), &s, t);
    p.key(Key::Char('e'), &s, t);
    assert!(p.overlay().is_empty(), "a password is never drawn");
    // The prompt does not echo: the guesses expire and stay hidden.
    p.judge(&s, t + Duration::from_secs(1));
    p.key(Key::Char('c'), &s, t + Duration::from_secs(1));
    assert!(p.overlay().is_empty());
}

#[test]
fn an_unconfirmed_guess_expires_after_a_round_trip_and_a_margin() {
    let t = Instant::now();
    let mut s = Fake::new("$ ");
    let mut p = warmed(&mut s, t);
    p.rtt.sample(Duration::from_millis(200));
    p.key(Key::Char('x'), &s, t);
    p.expire(t + Duration::from_millis(250));
    assert!(!p.overlay().is_empty(), "still within the round trip");
    p.expire(t + Duration::from_millis(500));
    assert!(
        p.overlay().is_empty(),
        "past a round trip, a half and the margin"
    );
    p.key(Key::Char('y'), &s, t + Duration::from_millis(500));
    assert!(
        p.overlay().is_empty(),
        "off until something is confirmed again"
    );
}

#[test]
fn backspace_and_arrows_move_the_cursor_and_shift_the_text() {
    let t = Instant::now();
    let mut s = Fake::new("$ ");
    let mut p = warmed(&mut s, t);
    for c in "abc".chars() {
        p.key(Key::Char(c), &s, t);
    }
    p.key(Key::Left, &s, t);
    p.key(Key::Left, &s, t);
    assert_eq!(p.overlay().cursor, Some((0, 4)));
    p.key(Key::Backspace, &s, t);
    assert_eq!(shown(&p, &s).trim_end(), "$ lbc");
    assert_eq!(p.overlay().cursor, Some((0, 3)));
    p.key(Key::Char('X'), &s, t);
    assert_eq!(shown(&p, &s).trim_end(), "$ lXbc");
    p.key(Key::Right, &s, t);
    p.key(Key::Right, &s, t);
    assert_eq!(p.overlay().cursor, Some((0, 6)));
    p.key(Key::Right, &s, t);
    assert!(
        p.overlay().cursor == Some((0, 6)),
        "no guess past the end of the text"
    );
}

#[test]
fn the_echo_of_a_readline_edit_confirms_the_shifted_text() {
    let t = Instant::now();
    let mut s = Fake::new("$ ");
    let mut p = warmed(&mut s, t);
    p.key(Key::Char('b'), &s, t);
    s.echo("b");
    p.judge(&s, t);
    p.key(Key::Left, &s, t);
    p.key(Key::Char('a'), &s, t);
    assert_eq!(shown(&p, &s).trim_end(), "$ lab");
    // Readline redraws the line from the cursor: the old text is there
    // until the echo, and is no mismatch meanwhile.
    s.cursor = (0, 3);
    p.judge(&s, t);
    assert_eq!(shown(&p, &s).trim_end(), "$ lab");
    s.echo("ab");
    s.cursor = (0, 4);
    p.judge(&s, t);
    assert!(p.overlay().is_empty());
    assert_eq!(s.line().trim_end(), "$ lab");
}

#[test]
fn no_guess_at_the_right_edge() {
    let t = Instant::now();
    let mut s = Fake::new("$ ");
    let mut p = warmed(&mut s, t);
    s.cursor = (0, 19);
    p.key(Key::Char('z'), &s, t);
    assert!(p.overlay().is_empty());
}

#[test]
fn the_alternate_screen_shows_guesses_only_after_a_streak_of_confirmations() {
    let t = Instant::now();
    let mut s = Fake::new("");
    let mut p = always();
    p.follow_rtt();
    s.alt = true;
    p.judge(&s, t);
    for (i, c) in "abc".chars().enumerate() {
        p.key(Key::Char(c), &s, t);
        assert!(p.overlay().is_empty(), "guess {i} hidden");
        s.echo(&c.to_string());
        p.judge(&s, t);
    }
    p.key(Key::Char('d'), &s, t);
    assert_eq!(shown(&p, &s).trim_end(), "abcd");
}

#[test]
fn leaving_or_entering_the_alternate_screen_drops_guesses() {
    let t = Instant::now();
    let mut s = Fake::new("$ ");
    let mut p = warmed(&mut s, t);
    p.key(Key::Char('v'), &s, t);
    s.alt = true;
    p.judge(&s, t);
    assert!(p.overlay().is_empty());
}

#[test]
fn adaptive_predicts_only_above_the_threshold_with_hysteresis() {
    let mut p = Predictor::new(Settings::default());
    assert!(!p.active(), "nothing measured yet");
    let t = Instant::now();
    let id = p.rtt.ping_due(t).unwrap();
    p.pong(id, t + Duration::from_millis(100));
    assert!(p.active());
    // Slowly down to 25 ms: between two thirds of 30 ms and 30 ms it stays on.
    for _ in 0..60 {
        p.rtt.sample(Duration::from_millis(25));
    }
    p.follow_rtt();
    assert!(p.active());
    for _ in 0..60 {
        p.rtt.sample(Duration::from_millis(5));
    }
    p.follow_rtt();
    assert!(!p.active());
}

#[test]
fn never_predicts_nothing_even_on_a_slow_link() {
    let mut p = Predictor::new(Settings {
        mode: PredictMode::Never,
        threshold: Duration::ZERO,
    });
    p.rtt.sample(Duration::from_secs(1));
    p.follow_rtt();
    let s = Fake::new("$ ");
    p.key(Key::Char('a'), &s, Instant::now());
    assert!(!p.take_changed());
}

#[test]
fn keys_that_cannot_be_foreseen_are_other() {
    use crossterm::event::{KeyCode as C, KeyEvent as E, KeyModifiers as M};
    assert_eq!(Key::of(&E::new(C::Char('a'), M::NONE)), Key::Char('a'));
    assert_eq!(Key::of(&E::new(C::Char('A'), M::SHIFT)), Key::Char('A'));
    assert_eq!(Key::of(&E::new(C::Char('a'), M::CONTROL)), Key::Other);
    assert_eq!(Key::of(&E::new(C::Char('a'), M::ALT)), Key::Other);
    assert_eq!(Key::of(&E::new(C::Char('漢'), M::NONE)), Key::Other);
    assert_eq!(Key::of(&E::new(C::Esc, M::NONE)), Key::Other);
    assert_eq!(Key::of(&E::new(C::Enter, M::NONE)), Key::Other);
    assert_eq!(Key::of(&E::new(C::Up, M::NONE)), Key::Other);
    assert_eq!(Key::of(&E::new(C::Left, M::NONE)), Key::Left);
}

#[test]
fn the_overlay_paints_underlined_cells_and_the_predicted_cursor() {
    let o = Overlay {
        cells: vec![(0, 3, "s".into()), (0, 4, String::new())],
        cursor: Some((0, 4)),
    };
    let mut out = Vec::new();
    paint(&o, Rect::new(0, 1, 20, 3), &mut out);
    let s = String::from_utf8(out).unwrap();
    assert_eq!(
        s,
        "\x1b[2;4H\x1b[0;4ms\x1b[2;5H\x1b[0m \x1b[0m\x1b[2;5H\x1b[?25h"
    );
}
