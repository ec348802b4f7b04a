//! When the screen is drawn: at once for what the user did, within a frame
//! budget for output floods, and after a short wait for a key's echo.

use std::time::Duration;

use tokio::time::Instant;

use super::update::Redraw;

/// Session messages applied before the screen is drawn again, at most: a
/// flood is parsed in big bites, but keys are read between bites.
pub const DRAIN_BATCH: usize = 64;

/// Output frames that may follow each other at once before the frame cap
/// applies: a command's echo, its output and the next prompt come as separate
/// bites a few milliseconds apart, and none should wait a frame; a flood
/// spends the burst at once and is then drawn max_fps times a second.
const OUTPUT_BURST: f64 = 4.0;

/// A key that only went to the session is drawn with the session's reply
/// (its echo), which comes well within this; drawing at once would put a
/// whole frame between the key and its echo. A session that does not answer
/// (a password prompt) is drawn after this, well under a 60 Hz frame.
pub const ECHO_WAIT: Duration = Duration::from_millis(10);

/// The frame cap is for output floods: frames that show session output
/// spend a budget that refills `max_fps` times a second. Anything else (a
/// key, a reply, a tick, a snapshot) draws at once and spends nothing, so the
/// echo of a key is never held back behind the frame the key caused. The
/// first output after a key that went to the session is its echo: it too is
/// drawn at once and spends nothing, however fast keys come (a held key
/// repeats faster than 60 Hz).
#[derive(Debug)]
pub struct Pacer {
    max_fps: u32,
    budget: f64,
    budget_at: Instant,
    /// Something other than output changed: draw at once.
    dirty: bool,
    /// Session output is waiting to be shown.
    output_dirty: bool,
    /// When a key that went to the session is drawn if its echo has not come.
    echo_due: Option<Instant>,
}

impl Pacer {
    /// A pacer for at most `max_fps` output frames a second (clamped to
    /// 1..=1000); the first frame is due at once.
    pub fn new(max_fps: u32, now: Instant) -> Pacer {
        Pacer {
            max_fps: max_fps.clamp(1, 1000),
            budget: OUTPUT_BURST,
            budget_at: now,
            dirty: true,
            output_dirty: false,
            echo_due: None,
        }
    }

    /// Something changed, and this is when it wants to be seen.
    pub fn note(&mut self, redraw: Redraw, now: Instant) {
        match redraw {
            Redraw::Now => self.dirty = true,
            Redraw::Output => self.output_dirty = true,
            Redraw::AfterEcho => {
                self.echo_due.get_or_insert(now + ECHO_WAIT);
            }
        }
    }

    /// Whether a frame is due now.
    pub fn due(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.dirty
            || (self.output_dirty && (self.budget >= 1.0 || self.echo_due.is_some()))
            || self.echo_due.is_some_and(|t| now >= t)
    }

    /// A frame was drawn: everything noted is on screen.
    pub fn drawn(&mut self) {
        // The frame that carries a key's reply is the user's, not the
        // flood's: it spends nothing, so a held key never drains the budget.
        if self.output_dirty && self.echo_due.is_none() {
            self.budget = (self.budget - 1.0).max(0.0);
        }
        self.dirty = false;
        self.output_dirty = false;
        self.echo_due = None;
    }

    /// When the next frame is due if nothing else happens; `None`: no
    /// frame is waiting.
    pub fn next_at(&mut self, now: Instant) -> Option<Instant> {
        self.refill(now);
        if self.dirty || (self.output_dirty && self.echo_due.is_some()) {
            return Some(now);
        }
        let frame = Duration::from_secs(1) / self.max_fps;
        // The next output frame is due when the budget holds one again.
        let output = self
            .output_dirty
            .then(|| now + frame.mul_f64((1.0 - self.budget).max(0.0)));
        output.into_iter().chain(self.echo_due).min()
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.budget_at);
        self.budget =
            (self.budget + elapsed.as_secs_f64() * f64::from(self.max_fps)).min(OUTPUT_BURST);
        self.budget_at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// A flood spends the burst at once, then is drawn max_fps times a second.
    #[tokio::test(start_paused = true)]
    async fn output_floods_are_capped_after_a_burst() {
        let mut p = Pacer::new(50, Instant::now());
        assert!(p.due(Instant::now()), "the first frame is due at once");
        p.drawn();
        let mut drawn_at_once = 0;
        for _ in 0..10 {
            p.note(Redraw::Output, Instant::now());
            if p.due(Instant::now()) {
                p.drawn();
                drawn_at_once += 1;
            }
        }
        assert_eq!(drawn_at_once, OUTPUT_BURST as usize);
        assert!(!p.due(Instant::now()));
        // The budget refills one frame every 20 ms at 50 fps.
        let at = p.next_at(Instant::now()).unwrap();
        assert_eq!(at - Instant::now(), ms(20));
        tokio::time::advance(ms(19)).await;
        assert!(!p.due(Instant::now()));
        tokio::time::advance(ms(1)).await;
        assert!(p.due(Instant::now()));
        p.drawn();
        assert_eq!(p.next_at(Instant::now()), None, "nothing left to draw");
    }

    /// What the user did is drawn at once, flood or not, and spends nothing.
    #[tokio::test(start_paused = true)]
    async fn user_changes_draw_at_once_even_during_a_flood() {
        let mut p = Pacer::new(10, Instant::now());
        p.drawn();
        for _ in 0..8 {
            p.note(Redraw::Output, Instant::now());
            if p.due(Instant::now()) {
                p.drawn();
            }
        }
        assert!(!p.due(Instant::now()), "the budget is spent");
        p.note(Redraw::Now, Instant::now());
        assert!(p.due(Instant::now()));
        assert_eq!(p.next_at(Instant::now()), Some(Instant::now()));
    }

    /// Keys faster than the frame cap (a held key, ~100 a second): every
    /// echo is drawn the moment it comes, never at the next budget slot,
    /// and the echo frames leave the flood budget as they found it.
    #[tokio::test(start_paused = true)]
    async fn the_echo_of_a_held_key_is_drawn_at_once_past_the_budget() {
        let mut p = Pacer::new(60, Instant::now());
        p.drawn();
        for key in 0..100 {
            p.note(Redraw::AfterEcho, Instant::now());
            tokio::time::advance(Duration::from_micros(300)).await;
            p.note(Redraw::Output, Instant::now());
            assert!(p.due(Instant::now()), "echo of key {key} held back");
            p.drawn();
            tokio::time::advance(ms(10)).await;
        }
        // The budget is whole: a flood that starts now still gets its burst.
        let mut at_once = 0;
        for _ in 0..10 {
            p.note(Redraw::Output, Instant::now());
            if p.due(Instant::now()) {
                p.drawn();
                at_once += 1;
            }
        }
        assert_eq!(at_once, OUTPUT_BURST as usize);
    }

    /// A burst of keys typed at once (a paste of single keys, a fast
    /// repeat): each echo that comes is drawn at once.
    #[tokio::test(start_paused = true)]
    async fn a_burst_of_keys_draws_every_echo_at_once() {
        let mut p = Pacer::new(60, Instant::now());
        p.drawn();
        for key in 0..50 {
            p.note(Redraw::AfterEcho, Instant::now());
            p.note(Redraw::Output, Instant::now());
            assert!(p.due(Instant::now()), "echo of key {key} held back");
            p.drawn();
            tokio::time::advance(Duration::from_micros(100)).await;
        }
    }

    /// A flood is still paced while the user types into it: the echo frame
    /// goes out at once, the flood's own frames keep to max_fps.
    #[tokio::test(start_paused = true)]
    async fn a_flood_stays_paced_while_keys_are_echoed() {
        let mut p = Pacer::new(50, Instant::now());
        p.drawn();
        // Spend the burst on the flood.
        for _ in 0..10 {
            p.note(Redraw::Output, Instant::now());
            if p.due(Instant::now()) {
                p.drawn();
            }
        }
        assert!(!p.due(Instant::now()), "the budget is spent");
        // A key: its echo (with flood output around it) draws at once.
        p.note(Redraw::AfterEcho, Instant::now());
        p.note(Redraw::Output, Instant::now());
        assert!(p.due(Instant::now()));
        p.drawn();
        // The flood goes on without keys: paced again, 20 ms a frame.
        p.note(Redraw::Output, Instant::now());
        assert!(
            !p.due(Instant::now()),
            "unsolicited output spends the budget"
        );
        assert_eq!(p.next_at(Instant::now()), Some(Instant::now() + ms(20)));
        tokio::time::advance(ms(20)).await;
        assert!(p.due(Instant::now()));
    }

    /// A key that only went to the session waits for its echo a little;
    /// the echo (output) draws it at once, or the wait runs out.
    #[tokio::test(start_paused = true)]
    async fn a_key_waits_for_its_echo_but_not_longer_than_the_echo_wait() {
        let mut p = Pacer::new(60, Instant::now());
        p.drawn();
        p.note(Redraw::AfterEcho, Instant::now());
        assert!(!p.due(Instant::now()));
        assert_eq!(p.next_at(Instant::now()), Some(Instant::now() + ECHO_WAIT));
        tokio::time::advance(ms(3)).await;
        p.note(Redraw::Output, Instant::now());
        assert!(p.due(Instant::now()), "the echo is drawn as it comes");
        p.drawn();
        // A session that does not echo (a password prompt).
        p.note(Redraw::AfterEcho, Instant::now());
        tokio::time::advance(ECHO_WAIT - ms(1)).await;
        assert!(!p.due(Instant::now()));
        tokio::time::advance(ms(1)).await;
        assert!(p.due(Instant::now()));
    }
}
