//! Copy mode: a cursor over a view's history and screen, selections by
//! character, line or rectangle, search, and the text a copy takes. Pure
//! state and text: the attached view feeds it keys and draws it.

pub mod clipboard;
pub mod keys;
mod motion;
pub mod search;
pub mod text;

#[cfg(test)]
mod tests;

pub use keys::{CopyAction, ModeKeys};
pub use text::{EmuLines, Lines, Pos, Shape};

/// A search being typed at the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub text: String,
    pub forward: bool,
}

/// Copy mode's state in one view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyMode {
    pub keys: ModeKeys,
    pub cursor: Pos,
    /// The line shown at the top of the view.
    pub top: u64,
    /// Where the selection started, and how it selects, if selecting.
    pub anchor: Option<(Pos, Shape)>,
    /// The column up and down moves keep to, as an editor does.
    want_col: u16,
    /// The last search (what `n` and `N` look for), and its direction.
    pub search: Option<(String, bool)>,
    pub prompt: Option<Prompt>,
    /// A word for the status line: no match, nothing selected.
    pub message: Option<String>,
    /// The selection's size: lines and characters, kept up to date here so
    /// drawing never reads a long selection's text.
    pub size: Option<(usize, usize)>,
    /// Entered by dragging the mouse: copying leaves copy mode.
    pub by_mouse: bool,
}

/// What a key did beyond moving and selecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    /// Copy this text, then leave copy mode (or stay, for `Stay`).
    Copied(String),
    Leave,
}

impl CopyMode {
    /// Copy mode over `lines` with the cursor on the screen's last used row,
    /// the view at the live screen.
    pub fn enter(lines: &dyn Lines, keys: ModeKeys) -> CopyMode {
        let top = lines.live_top();
        let mut line = lines.last();
        while line > top && lines.line(line).last_used().is_none() {
            line -= 1;
        }
        let col = lines.line(line).last_used().map_or(0, |c| c + 1);
        let col = col.min(lines.line(line).width().saturating_sub(1));
        CopyMode {
            keys,
            cursor: Pos::new(line, col),
            top,
            anchor: None,
            want_col: col,
            search: None,
            prompt: None,
            message: None,
            size: None,
            by_mouse: false,
        }
    }

    /// Rows back from the live screen to the top of the view: what the
    /// view's drawing takes.
    pub fn scroll(&self, lines: &dyn Lines) -> usize {
        usize::try_from(lines.live_top().saturating_sub(self.top)).unwrap_or(usize::MAX)
    }

    /// Keeps the view and the cursor on lines that are still kept, after
    /// output pushed old ones out of the history.
    pub fn clamp(&mut self, lines: &dyn Lines) {
        let (first, last) = (lines.first(), lines.last());
        self.top = self.top.clamp(first, lines.live_top());
        self.cursor.line = self.cursor.line.clamp(first, last);
        if let Some((a, _)) = &mut self.anchor {
            a.line = a.line.clamp(first, last);
        }
    }

    /// A key typed in copy mode: its action, the character it types (for
    /// the search prompt), and what it does to the prompt.
    pub fn key(
        &mut self,
        lines: &dyn Lines,
        action: Option<CopyAction>,
        typed: Option<char>,
        edit: PromptEdit,
    ) -> Outcome {
        self.message = None;
        if let Some(p) = self.prompt.take() {
            self.prompt_key(lines, p, typed, edit);
            return Outcome::Stay;
        }
        let Some(action) = action else {
            return Outcome::Stay;
        };
        let outcome = self.act(lines, action);
        self.follow(lines);
        self.measure(lines);
        outcome
    }

    /// A key while the search prompt is open.
    fn prompt_key(
        &mut self,
        lines: &dyn Lines,
        mut p: Prompt,
        typed: Option<char>,
        edit: PromptEdit,
    ) {
        match edit {
            PromptEdit::Done => {
                if !p.text.is_empty() {
                    self.search = Some((p.text, p.forward));
                    self.find(lines, false);
                }
            }
            PromptEdit::Cancel => {}
            PromptEdit::Backspace => {
                // Backspace on nothing closes the prompt, as in a shell's search.
                if p.text.pop().is_some() {
                    self.prompt = Some(p);
                }
            }
            PromptEdit::None => {
                if let Some(c) = typed {
                    p.text.push(c);
                }
                self.prompt = Some(p);
            }
        }
    }

    fn act(&mut self, lines: &dyn Lines, action: CopyAction) -> Outcome {
        use CopyAction as A;
        let rows = u64::from(lines.rows().max(1));
        match action {
            A::SelectChar | A::SelectLine | A::SelectRect => {
                let shape = match action {
                    A::SelectChar => Shape::Char,
                    A::SelectLine => Shape::Line,
                    _ => Shape::Rect,
                };
                self.anchor = match self.anchor {
                    // The rectangle key toggles a selection between shapes.
                    Some((a, s)) if shape == Shape::Rect => Some((
                        a,
                        if s == Shape::Rect {
                            Shape::Char
                        } else {
                            Shape::Rect
                        },
                    )),
                    // Pressed again with the same shape: selection off, as vim.
                    Some((_, s)) if s == shape && shape != Shape::Char => None,
                    Some((a, _)) if shape != Shape::Char => Some((a, shape)),
                    _ => Some((self.cursor, shape)),
                };
            }
            A::ClearSelection => self.anchor = None,
            A::Cancel if self.anchor.is_some() => self.anchor = None,
            A::Cancel | A::Exit => return Outcome::Leave,
            A::Copy => {
                let Some((a, shape)) = self.anchor else {
                    self.message = Some("nothing selected: v starts a selection".into());
                    if self.keys == ModeKeys::Emacs {
                        self.message = Some("nothing selected: C-Space starts one".into());
                    }
                    return Outcome::Stay;
                };
                return Outcome::Copied(text::extract(lines, a, self.cursor, shape));
            }
            A::SearchForward | A::SearchBackward => {
                self.prompt = Some(Prompt {
                    text: String::new(),
                    forward: action == A::SearchForward,
                });
            }
            A::SearchNext => self.find(lines, false),
            A::SearchPrev => self.find(lines, true),
            A::HalfPageUp | A::HalfPageDown | A::PageUp | A::PageDown => {
                let n = if matches!(action, A::HalfPageUp | A::HalfPageDown) {
                    (rows / 2).max(1)
                } else {
                    rows
                };
                let up = matches!(action, A::HalfPageUp | A::PageUp);
                let (first, last) = (lines.first(), lines.last());
                if up {
                    self.top = self.top.saturating_sub(n).max(first);
                    self.cursor.line = self.cursor.line.saturating_sub(n).max(first);
                } else {
                    self.top = (self.top + n).min(lines.live_top());
                    self.cursor.line = (self.cursor.line + n).min(last);
                }
                self.cursor.col = self.want_col;
                self.fit_col(lines);
            }
            A::ScreenTop | A::ScreenMiddle | A::ScreenBottom => {
                let offset = match action {
                    A::ScreenTop => 0,
                    A::ScreenMiddle => (rows - 1) / 2,
                    _ => rows - 1,
                };
                self.cursor.line = (self.top + offset).min(lines.last());
                self.cursor.col = self.want_col;
                self.fit_col(lines);
            }
            A::Up | A::Down | A::Top | A::Bottom => {
                self.cursor.line = match action {
                    A::Up => self.cursor.line.saturating_sub(1).max(lines.first()),
                    A::Down => (self.cursor.line + 1).min(lines.last()),
                    A::Top => lines.first(),
                    _ => lines.last(),
                };
                if matches!(action, A::Top | A::Bottom) {
                    self.want_col = 0;
                }
                self.cursor.col = self.want_col;
                self.fit_col(lines);
            }
            motion => {
                self.cursor = motion::apply(lines, self.cursor, motion);
                self.want_col = self.cursor.col;
            }
        }
        Outcome::Stay
    }

    /// The next match of the last search; `reverse`: the other way.
    fn find(&mut self, lines: &dyn Lines, reverse: bool) {
        let Some((needle, forward)) = self.search.clone() else {
            self.message = Some("no search yet: / searches".into());
            return;
        };
        match search::next_match(lines, &needle, self.cursor, forward != reverse) {
            Some(p) => {
                self.cursor = p;
                self.want_col = p.col;
                self.follow(lines);
                self.measure(lines);
            }
            None => self.message = Some(format!("no match for \"{needle}\"")),
        }
    }

    /// A column on the cursor's line: not past its end, not on half a
    /// wide character.
    fn fit_col(&mut self, lines: &dyn Lines) {
        let line = lines.line(self.cursor.line);
        let max = line.width().saturating_sub(1);
        self.cursor.col = line.head(self.cursor.col.min(max));
    }

    /// Scrolls the view so the cursor shows.
    pub fn follow(&mut self, lines: &dyn Lines) {
        let rows = u64::from(lines.rows().max(1));
        if self.cursor.line < self.top {
            self.top = self.cursor.line;
        } else if self.cursor.line >= self.top + rows {
            self.top = self.cursor.line + 1 - rows;
        }
        self.top = self.top.clamp(lines.first(), lines.live_top());
    }

    /// Updates the selection's size for the status line.
    pub fn measure(&mut self, lines: &dyn Lines) {
        self.size = self.anchor.map(|(a, shape)| {
            let text = text::extract(lines, a, self.cursor, shape);
            let lines = usize::try_from(a.line.abs_diff(self.cursor.line)).unwrap_or(0) + 1;
            (lines, text.chars().count())
        });
    }

    /// Scrolls the view `delta` rows (negative: back into history), the
    /// cursor kept on it, as the wheel does.
    pub fn scroll_by(&mut self, lines: &dyn Lines, delta: i64) {
        let rows = u64::from(lines.rows().max(1));
        let top = if delta < 0 {
            self.top.saturating_sub(delta.unsigned_abs())
        } else {
            self.top.saturating_add(delta.unsigned_abs())
        };
        self.top = top.clamp(lines.first(), lines.live_top());
        let line = self.cursor.line.clamp(self.top, self.top + rows - 1);
        if line != self.cursor.line {
            self.cursor.line = line;
            self.cursor.col = self.want_col;
            self.fit_col(lines);
        }
        self.measure(lines);
    }

    /// Starts or extends a mouse selection at `p`: the press starts it, a
    /// drag moves its end.
    pub fn drag(&mut self, lines: &dyn Lines, from: Pos, to: Pos) {
        self.anchor = Some((from, Shape::Char));
        self.cursor = to;
        self.want_col = to.col;
        self.follow(lines);
        self.measure(lines);
    }

    /// The selected text, if a selection is made.
    pub fn selection_text(&self, lines: &dyn Lines) -> Option<String> {
        let (a, shape) = self.anchor?;
        Some(text::extract(lines, a, self.cursor, shape))
    }
}

/// What a key does to the search prompt while one is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptEdit {
    None,
    Done,
    Cancel,
    Backspace,
}
