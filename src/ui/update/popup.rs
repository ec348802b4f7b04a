//! Keys while a popup is open: prompts, confirmations, help, the switcher, host questions.

use super::*;

pub(super) fn popup_key(ui: &mut Ui, key: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(popup) = ui.popup.take() else {
        return;
    };
    let keep = match popup {
        Popup::Help { scroll } => {
            // Scroll keys move the help; any other key closes it.
            let page = crate::ui::render::help_page(ui.size);
            let last = crate::ui::render::help_len(ui).saturating_sub(page);
            let to = match key.code {
                KeyCode::Down | KeyCode::Char('j') => Some(scroll.saturating_add(1)),
                KeyCode::Up | KeyCode::Char('k') => Some(scroll.saturating_sub(1)),
                KeyCode::PageDown | KeyCode::Char(' ') => Some(scroll.saturating_add(page)),
                KeyCode::PageUp => Some(scroll.saturating_sub(page)),
                KeyCode::Home | KeyCode::Char('g') => Some(0),
                KeyCode::End | KeyCode::Char('G') => Some(last),
                _ => None,
            };
            if let Some(to) = to {
                ui.popup = Some(Popup::Help {
                    scroll: to.min(last),
                });
            }
            return;
        }
        Popup::ConfirmDelete { targets } => {
            if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                delete(ui, targets, false, fx);
            }
            false
        }
        Popup::ConfirmForce { targets, .. } => {
            if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                delete(ui, targets, true, fx);
            }
            false
        }
        Popup::Create(mut p) => match key.code {
            _ if p.busy => {
                ui.popup = Some(Popup::Create(p));
                return;
            }
            KeyCode::Esc => false,
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
                p.focus = match p.focus {
                    Field::Name => Field::Host,
                    Field::Host => Field::Name,
                };
                ui.popup = Some(Popup::Create(p));
                return;
            }
            KeyCode::Enter => {
                let name = input_text(&p.name);
                match validate_name(&name) {
                    Err(e) => {
                        p.error = Some(e.to_string());
                        p.focus = Field::Name;
                    }
                    Ok(_) => {
                        p.error = None;
                        p.busy = true;
                        ui.pending = Some(Pending::Creating);
                        fx.push(Effect::Create {
                            name,
                            host: input_text(&p.host),
                        });
                    }
                }
                ui.popup = Some(Popup::Create(p));
                return;
            }
            _ => {
                let field = match p.focus {
                    Field::Name => &mut p.name,
                    Field::Host => &mut p.host,
                };
                edit(field, key);
                p.error = None;
                ui.popup = Some(Popup::Create(p));
                return;
            }
        },
        Popup::Rename(mut p) if p.typed_while_saving.is_some() => {
            p.typed_while_saving.get_or_insert_default().push(key);
            ui.popup = Some(Popup::Rename(p));
            return;
        }
        Popup::Rename(mut p) => match key.code {
            KeyCode::Esc => false,
            KeyCode::Enter => {
                let name = input_text(&p.input);
                match validate_name(&name) {
                    Err(e) => p.error = Some(e.to_string()),
                    Ok(_) => {
                        p.typed_while_saving = Some(Vec::new());
                        fx.push(Effect::Rename {
                            id: p.target.clone(),
                            name,
                        })
                    }
                }
                ui.popup = Some(Popup::Rename(p));
                return;
            }
            _ => {
                edit(&mut p.input, key);
                p.error = None;
                ui.popup = Some(Popup::Rename(p));
                return;
            }
        },
        Popup::Switcher => {
            let chord = Chord::of(&key);
            match (key.code, ui.keymap.list(&chord)) {
                (KeyCode::Esc, _) | (_, Some(ListAction::Quit)) => false,
                (_, Some(ListAction::Attach)) => {
                    if let Some(s) = ui.selected_session().cloned() {
                        let current = ui.view.as_ref().map(|v| v.session.id.clone());
                        if current.as_ref() != Some(&s.id) {
                            start_attach(ui, s.id.clone(), s.label(), true, fx);
                        }
                    }
                    false
                }
                (
                    _,
                    Some(
                        a @ (ListAction::Up
                        | ListAction::Down
                        | ListAction::Top
                        | ListAction::Bottom),
                    ),
                ) => {
                    move_selection(ui, a);
                    true
                }
                _ => true,
            }
        }
        Popup::Question(mut q) => {
            let answer = match (q.kind, key.code) {
                (_, KeyCode::Esc) => Some(None),
                // The word typed out, as OpenSSH asks: a single key meant
                // for the list or a session never answers a host-key question.
                (QuestionKind::YesNo, KeyCode::Enter) => {
                    match input_text(&q.input).trim().to_ascii_lowercase().as_str() {
                        "yes" => Some(Some("yes".to_string())),
                        "no" => Some(None),
                        _ => {
                            q.input = text_input(strings::TYPE_YES_OR_NO, "", false);
                            None
                        }
                    }
                }
                (_, KeyCode::Enter) => Some(Some(input_text(&q.input))),
                _ => {
                    edit(&mut q.input, key);
                    None
                }
            };
            match answer {
                Some(answer) => {
                    if let Some(to) = q.answer.take() {
                        fx.push(Effect::Answer { to, answer });
                    }
                    ui.popup = ui.stacked.take();
                    return;
                }
                None => {
                    ui.popup = Some(Popup::Question(q));
                    return;
                }
            }
        }
    };
    if keep {
        ui.popup = Some(Popup::Switcher);
    }
}

/// Deletes the sessions asked about; answers for several are gathered and
/// told once. The marks have done their job.
fn delete(ui: &mut Ui, targets: Vec<Target>, force: bool, fx: &mut Vec<Effect>) {
    ui.marked.clear();
    if targets.len() > 1 {
        ui.bulk = Some(crate::ui::marks::BulkDelete::new(&targets, force));
    }
    for Target { id, label } in targets {
        fx.push(Effect::Delete { id, label, force });
    }
}
