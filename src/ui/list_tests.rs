//! The session list drawn through the real `update` and `render`: editing
//! in place, columns at each width, modes and their footers, the order,
//! notices.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::state::Ui;
use super::tests::{ctrl, draw, key, row, ui, update};
use super::update::UiEvent;
use crate::store::Status;

/// Row `y` of a drawn screen as text.
fn line(t: &Terminal<TestBackend>, y: u16) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.width)
        .map(|x| buf[(x, y)].symbol().to_string())
        .collect()
}

fn type_text(ui: &mut Ui, text: &str) {
    for c in text.chars() {
        update(ui, key(KeyCode::Char(c)));
    }
}

/// The name cell of the selected row (from NAME's title to HOST's) while
/// renaming: what is typed, then blanks, nothing left of the old name.
fn name_cell(ui: &Ui) -> String {
    let t = draw(ui);
    let header: Vec<char> = line(&t, 1).chars().collect();
    let at = |title: &str| {
        let h: String = header.iter().collect();
        h[..h.find(title).unwrap()].chars().count()
    };
    let (from, to) = (at("NAME"), at("HOST"));
    line(&t, 2).chars().skip(from).take(to - from).collect()
}

#[test]
fn rename_in_place_erases_what_backspace_removed() {
    let mut ui = ui();
    update(&mut ui, key(KeyCode::Char('r')));
    for _ in 0..3 {
        update(&mut ui, key(KeyCode::Backspace));
    }
    let cell = name_cell(&ui);
    assert_eq!(cell.trim_end(), "bu", "{cell:?}");
}

#[test]
fn rename_in_place_after_ctrl_u_shows_only_the_new_text() {
    let mut ui = ui();
    let mut s = row("77778888", Some("a/b server"), "local", Status::Running, 1);
    s.views = 0;
    update(
        &mut ui,
        UiEvent::Listed {
            sessions: vec![s],
            reap_at: vec![],
            hosts: vec![],
        },
    );
    ui.selected = Some(ui.sessions[0].id.clone());
    update(&mut ui, key(KeyCode::Char('r')));
    update(&mut ui, ctrl('u'));
    type_text(&mut ui, "x");
    let cell = name_cell(&ui);
    assert_eq!(cell.trim_end(), "x", "{cell:?}");
}

#[test]
fn a_key_typed_while_a_rename_is_saved_acts_once_the_answer_is_in() {
    let mut ui = ui();
    update(&mut ui, key(KeyCode::Char('r')));
    type_text(&mut ui, "x");
    update(&mut ui, key(KeyCode::Enter));
    // `q` typed before the database answered: for the list, not the name
    update(&mut ui, key(KeyCode::Char('q')));
    let mut row = ui.sessions[0].clone();
    row.name = Some("buildx".into());
    update(&mut ui, UiEvent::Renamed(Box::new(Ok(row))));
    assert!(ui.popup.is_none());
    assert!(ui.quit, "the q typed while saving was lost");
}

#[test]
fn keys_typed_while_a_refused_rename_is_saved_edit_the_name_again() {
    let mut ui = ui();
    update(&mut ui, key(KeyCode::Char('r')));
    update(&mut ui, key(KeyCode::Enter));
    type_text(&mut ui, "2");
    update(
        &mut ui,
        UiEvent::Renamed(Box::new(Err(crate::manager::ManagerError::NameTaken(
            "build".into(),
        )))),
    );
    let cell = name_cell(&ui);
    assert_eq!(cell.trim_end(), "build2", "{cell:?}");
}

/// The list of `ui()` at a given size, numbered as the store numbers them.
fn sized(cols: u16, rows: u16) -> Ui {
    let mut ui = ui();
    for (n, s) in ui.sessions.iter_mut().enumerate() {
        s.number = Some(n as u32);
    }
    ui.size = (cols, rows);
    ui
}

#[test]
fn list_at_120x40_shows_every_column() {
    let ui = sized(120, 40);
    let t = draw(&ui);
    let header = line(&t, 1);
    for title in [
        "#",
        "NAME",
        "HOST",
        "STATE",
        "VIEWS",
        "LAST ACTIVE",
        "REAPED IN",
        "ID",
        "JOB",
    ] {
        assert!(header.contains(title), "{header}");
    }
    // The name is as wide as the widest name, not what the others leave.
    let name_width = header.find("HOST").unwrap() - header.find("NAME").unwrap();
    assert_eq!(name_width, "db-shell".len() + 2, "{header}");
    insta::assert_snapshot!(t.backend());
}

#[test]
fn list_at_80x24_drops_job_and_id_before_cutting_state_or_time() {
    let ui = sized(80, 24);
    let t = draw(&ui);
    let header = line(&t, 1);
    assert!(!header.contains("JOB"), "{header}");
    assert!(
        header.contains("LAST ACTIVE") && header.contains("REAPED IN"),
        "{header}"
    );
    assert!(line(&t, 3).contains("42m"), "the time to reaping is whole");
    assert!(line(&t, 5).contains("done (exit 3)"));
    insta::assert_snapshot!(t.backend());
}

#[test]
fn list_at_60x20_keeps_a_readable_header_and_whole_state_and_times() {
    let ui = sized(60, 20);
    let t = draw(&ui);
    let header = line(&t, 1);
    for title in ["NAME", "HOST", "STATE", "ACTIVE"] {
        assert!(header.contains(title), "{header}");
    }
    assert!(
        !header.contains("JOB") && !header.contains(" ID "),
        "{header}"
    );
    assert!(line(&t, 5).contains("done (exit 3)"), "{}", line(&t, 5));
    assert!(line(&t, 4).contains("1h ago"), "{}", line(&t, 4));
    insta::assert_snapshot!(t.backend());
}

#[test]
fn help_fits_80x24_and_scrolls() {
    let mut ui = sized(80, 24);
    update(&mut ui, key(KeyCode::Char('?')));
    let t = draw(&ui);
    assert!(line(&t, 1).contains("Keys"), "{}", line(&t, 1));
    assert!(line(&t, 22).contains("scroll"), "{}", line(&t, 22));
    insta::assert_snapshot!("help_80x24_top", t.backend());
    let bottom = |ui: &Ui| {
        let t = draw(ui);
        (0..24).map(|y| line(&t, y)).collect::<Vec<_>>().join("\n")
    };
    assert!(!bottom(&ui).contains("wheel"), "the end is below at first");
    update(&mut ui, key(KeyCode::PageDown));
    update(&mut ui, key(KeyCode::PageDown));
    assert!(bottom(&ui).contains("wheel"), "{}", bottom(&ui));
    // j and k move a row; any other key closes
    update(&mut ui, key(KeyCode::Char('k')));
    assert!(matches!(ui.popup, Some(super::state::Popup::Help { .. })));
    update(&mut ui, key(KeyCode::Char('x')));
    assert!(ui.popup.is_none());
}

#[test]
fn renaming_and_filtering_show_their_own_keys_and_the_count_shown() {
    let mut ui = sized(100, 16);
    update(&mut ui, key(KeyCode::Char('r')));
    let t = draw(&ui);
    let footer = line(&t, 15);
    assert!(
        footer.contains("Enter save") && footer.contains("Esc cancel"),
        "{footer}"
    );
    assert!(!footer.contains("delete"), "{footer}");
    update(&mut ui, key(KeyCode::Esc));
    update(&mut ui, key(KeyCode::Char('/')));
    type_text(&mut ui, "db");
    let t = draw(&ui);
    let shown = ui.visible().len();
    assert!(shown < 4);
    let count = format!("{shown} of 4 sessions");
    assert!(line(&t, 0).contains(&count), "{}", line(&t, 0));
    let footer = line(&t, 15);
    assert!(footer.contains("Esc clear filter"), "{footer}");
    insta::assert_snapshot!(t.backend());
}

#[test]
fn a_long_notice_wraps_instead_of_being_cut() {
    let mut ui = sized(60, 20);
    let text = "stopped the shell of 'build'; it stays listed until the database can be written";
    ui.notify(text);
    let t = draw(&ui);
    let shown: String = (0..20)
        .map(|y| line(&t, y).trim().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        shown.contains("until the database can be written"),
        "{shown}"
    );
}

#[test]
fn o_cycles_the_sort_and_h_groups_by_host_under_a_header_per_host() {
    let mut ui = sized(100, 16);
    update(&mut ui, key(KeyCode::Char('o')));
    let t = draw(&ui);
    assert!(line(&t, 0).contains("by name"), "{}", line(&t, 0));
    // named first, by name; the anonymous one last
    assert!(line(&t, 2).contains("build") && line(&t, 5).contains("5e6f7a8b"));
    update(&mut ui, key(KeyCode::Char('o')));
    update(&mut ui, key(KeyCode::Char('o')));
    update(&mut ui, key(KeyCode::Char('o')));
    update(&mut ui, key(KeyCode::Char('H')));
    let t = draw(&ui);
    assert!(line(&t, 0).contains("by host"), "{}", line(&t, 0));
    let rows: Vec<String> = (2..9).map(|y| line(&t, y).trim_end().to_string()).collect();
    assert!(rows[0].starts_with(" local · 3 sessions"), "{rows:#?}");
    assert!(
        rows[1].contains("build") && rows[3].contains("old"),
        "{rows:#?}"
    );
    assert!(rows[4].starts_with(" db1 · 1 session"), "{rows:#?}");
    assert!(rows[5].contains("db-shell"), "{rows:#?}");
    // moving skips the headers: down from the last local row lands on db-shell
    update(&mut ui, key(KeyCode::Char('G')));
    assert_eq!(ui.selected_session().unwrap().label(), "db-shell");
}

/// A notice stayed until its time was up whatever the user did: any key
/// now dismisses it, and one that comes back from the key is kept.
#[test]
fn any_key_dismisses_a_notice_and_a_tick_ends_one_whose_time_is_up() {
    let mut ui = ui();
    ui.error("cannot attach: something went wrong");
    update(&mut ui, key(KeyCode::Char('j')));
    assert!(ui.notice.is_none(), "a key dismisses the notice");
    update(&mut ui, key(KeyCode::Char('o')));
    assert_eq!(
        ui.notice.as_ref().map(|n| n.text.as_str()),
        Some("sorted by name"),
        "what the key says is kept"
    );
    update(&mut ui, UiEvent::Tick);
    assert!(ui.notice.is_some(), "a tick before its time keeps it");
    if let Some(n) = &mut ui.notice {
        n.until = std::time::Instant::now();
    }
    update(&mut ui, UiEvent::Tick);
    assert!(ui.notice.is_none(), "a tick after its time ends it");
}

#[test]
fn errors_stay_longer_than_notices_and_long_ones_get_time_to_be_read() {
    let mut ui = ui();
    let left = |ui: &Ui| {
        ui.notice
            .as_ref()
            .map(|n| n.until.saturating_duration_since(std::time::Instant::now()))
            .unwrap_or_default()
            .as_secs_f64()
            .round() as u64
    };
    ui.notify("renamed to 'x'");
    assert_eq!(left(&ui), 5);
    ui.error("cannot attach");
    assert_eq!(left(&ui), 10);
    ui.error("x".repeat(400));
    assert_eq!(left(&ui), 20);
    ui.notify("x".repeat(5000));
    assert_eq!(left(&ui), 30, "never longer than half a minute");
}
