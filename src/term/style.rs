//! What a cell looks like (its colours and attributes) and which rows changed:
//! the model's side of drawing, with no idea of where or how it is drawn.

use std::borrow::Cow;

/// Rows that may have changed since the renderer last asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dirty {
    None,
    /// These rows, first to last.
    Rows(u16, u16),
    #[default]
    All,
}

impl Dirty {
    /// Both sets of rows.
    pub fn with(self, other: Dirty) -> Dirty {
        match (self, other) {
            (Dirty::None, d) | (d, Dirty::None) => d,
            (Dirty::Rows(a, b), Dirty::Rows(c, d)) => Dirty::Rows(a.min(c), b.max(d)),
            _ => Dirty::All,
        }
    }

    pub fn contains(self, row: u16) -> bool {
        match self {
            Dirty::None => false,
            Dirty::Rows(a, b) => (a..=b).contains(&row),
            Dirty::All => true,
        }
    }
}

/// A colour as the program set it; `Default` is the terminal's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Color {
    #[default]
    Default,
    /// One of the 256 palette colours.
    Idx(u8),
    Rgb(u8, u8, u8),
}

impl From<vt100::Color> for Color {
    fn from(c: vt100::Color) -> Color {
        match c {
            vt100::Color::Default => Color::Default,
            vt100::Color::Idx(i) => Color::Idx(i),
            vt100::Color::Rgb(r, g, b) => Color::Rgb(r, g, b),
        }
    }
}

/// Attribute bits of a cell.
pub mod attr {
    pub const BOLD: u16 = 1;
    pub const DIM: u16 = 1 << 1;
    pub const ITALIC: u16 = 1 << 2;
    pub const UNDERLINE: u16 = 1 << 3;
    pub const INVERSE: u16 = 1 << 4;
    // Kept by the emulator's marks, beside vt100's cells.
    pub const STRIKE: u16 = 1 << 5;
    pub const HIDDEN: u16 = 1 << 6;
    pub const BLINK: u16 = 1 << 7;
    pub const RAPID_BLINK: u16 = 1 << 8;
}

/// The colours and attributes a cell is drawn with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pen {
    pub fg: Color,
    pub bg: Color,
    /// `attr` bits.
    pub flags: u16,
    /// With `attr::UNDERLINE`: 0 or 1 single, 2 double, 3 curly, 4 dotted,
    /// 5 dashed; 0 without.
    pub underline: u8,
    pub underline_color: Color,
}

impl Pen {
    /// No colour, no attribute.
    pub const PLAIN: Pen = Pen {
        fg: Color::Default,
        bg: Color::Default,
        flags: 0,
        underline: 0,
        underline_color: Color::Default,
    };

    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    pub(super) fn of(cell: &vt100::Cell, mark: Option<&super::marks::Mark>) -> Pen {
        if !cell.has_contents() {
            // Erased (or never written): vt100 keeps the whole pen of the
            // erase, xterm only its background; an underline or inverse
            // does not show on erased cells.
            return Pen {
                bg: cell.bgcolor().into(),
                ..Pen::PLAIN
            };
        }
        let mut flags = 0;
        for (on, flag) in [
            (cell.bold(), attr::BOLD),
            (cell.dim(), attr::DIM),
            (cell.italic(), attr::ITALIC),
            (cell.underline(), attr::UNDERLINE),
            (cell.inverse(), attr::INVERSE),
        ] {
            if on {
                flags |= flag;
            }
        }
        let mut pen = Pen {
            fg: cell.fgcolor().into(),
            bg: cell.bgcolor().into(),
            flags,
            ..Pen::PLAIN
        };
        if let Some(m) = mark {
            pen.flags |= m.flags;
            pen.underline_color = m.underline_color;
            if cell.underline() && m.underline >= 2 {
                pen.underline = m.underline;
            }
        }
        pen
    }
}

/// One cell of the screen as a renderer needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellView<'a> {
    /// The character (with any combining marks); empty for a never-written cell.
    pub text: Cow<'a, str>,
    pub pen: Pen,
    /// The hyperlink (OSC 8) the cell was written with.
    pub link: Option<&'a str>,
    /// The first half of a double-width character.
    pub wide: bool,
    /// The second half of a double-width character (drawn by the first).
    pub wide_tail: bool,
}

impl CellView<'_> {
    /// Nothing to see: no text and no colour or attribute.
    pub fn is_blank(&self) -> bool {
        self.text.is_empty() && self.pen == Pen::PLAIN && self.link.is_none()
    }
}
