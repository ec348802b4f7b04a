//! How the session list is ordered: a sort key cycled from the list, and
//! grouping by host (this machine first), both kept for the UI's lifetime.

pub use crate::config::Sort;
use crate::store::SessionRow;

/// The list's order as the user chose it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListOrder {
    pub sort: Sort,
    /// A header row per host, this machine first, then hosts by name.
    pub by_host: bool,
}

impl ListOrder {
    /// Indexes into `sessions` in this sort. `sessions` comes newest
    /// activity first; ties in every other sort keep that order.
    pub fn sort(&self, sessions: &[SessionRow]) -> Vec<usize> {
        let mut rows: Vec<usize> = (0..sessions.len()).collect();
        match self.sort {
            Sort::Activity => {}
            Sort::Name => rows.sort_by(|&a, &b| {
                let (a, b) = (&sessions[a], &sessions[b]);
                // Named sessions first, by name; anonymous ones by number.
                (
                    a.name.is_none(),
                    a.name.as_deref().map(str::to_lowercase),
                    a.number,
                )
                    .cmp(&(
                        b.name.is_none(),
                        b.name.as_deref().map(str::to_lowercase),
                        b.number,
                    ))
            }),
            Sort::Created => {
                rows.sort_by(|&a, &b| sessions[b].created_at.cmp(&sessions[a].created_at))
            }
            Sort::Number => {
                rows.sort_by_key(|&i| (sessions[i].number.is_none(), sessions[i].number))
            }
        }
        rows
    }

    /// `rows` grouped by host when asked (this machine first, then hosts by
    /// name), keeping their order within a host.
    pub fn group(&self, sessions: &[SessionRow], mut rows: Vec<usize>) -> Vec<usize> {
        if self.by_host {
            rows.sort_by(|&a, &b| host_key(&sessions[a].host).cmp(&host_key(&sessions[b].host)));
        }
        rows
    }

    /// What the title says of the order, when it is not the default.
    pub fn describe(&self) -> Option<String> {
        match (self.sort, self.by_host) {
            (Sort::Activity, false) => None,
            (sort, false) => Some(format!("by {}", sort.word())),
            (Sort::Activity, true) => Some("by host".into()),
            (sort, true) => Some(format!("by host, {}", sort.word())),
        }
    }
}

/// Sorts this machine before every remote host.
fn host_key(host: &str) -> (bool, &str) {
    (host != crate::host::LOCAL, host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Status;
    use crate::ui::tests::row;

    fn names(sessions: &[SessionRow], rows: &[usize]) -> Vec<String> {
        rows.iter().map(|&i| sessions[i].label()).collect()
    }

    #[test]
    fn each_sort_orders_as_it_says_and_grouping_puts_this_machine_first() {
        let mut s = vec![
            row("11110000", Some("zeta"), "db1", Status::Running, 5),
            row("22220000", None, "local", Status::Running, 10),
            row("33330000", Some("Alpha"), "local", Status::Running, 20),
            row("44440000", Some("mid"), "app", Status::Running, 30),
        ];
        for (n, r) in s.iter_mut().enumerate() {
            r.number = Some(10 - n as u32);
            r.created_at = [3, 1, 4, 2][n];
        }
        let anon = s[1].label();
        let order = |sort, by_host| {
            let o = ListOrder { sort, by_host };
            names(&s, &o.group(&s, o.sort(&s)))
        };
        assert_eq!(
            order(Sort::Activity, false),
            ["zeta", &anon, "Alpha", "mid"]
        );
        assert_eq!(order(Sort::Name, false), ["Alpha", "mid", "zeta", &anon]);
        assert_eq!(order(Sort::Created, false), ["Alpha", "zeta", "mid", &anon]);
        assert_eq!(order(Sort::Number, false), ["mid", "Alpha", &anon, "zeta"]);
        assert_eq!(order(Sort::Activity, true), [&anon, "Alpha", "mid", "zeta"]);
        assert_eq!(order(Sort::Name, true), ["Alpha", &anon, "mid", "zeta"]);
        let mut sort = Sort::Activity;
        for _ in 0..4 {
            sort = sort.next();
        }
        assert_eq!(sort, Sort::Activity, "the cycle comes back round");
    }
}
