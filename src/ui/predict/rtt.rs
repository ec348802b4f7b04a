//! The round trip of an attached view's link, measured with the protocol's
//! own pings and smoothed the way TCP smooths it.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How often a view pings its job: often enough that a link that slows down
/// (a train going into a tunnel) is noticed within seconds, rarely enough
/// that an idle view costs nothing worth counting.
pub const PING_EVERY: Duration = Duration::from_secs(1);

/// Pings in flight at most: a link that stops answering must not grow a list.
const IN_FLIGHT: usize = 8;

/// Weight of a new sample in the smoothed round trip (RFC 6298's 1/8): one
/// slow answer does not flip prediction on, a link that stays slow does.
const GAIN: f64 = 0.125;

/// A view's round trip to its job: pings sent, answers timed.
#[derive(Debug, Default)]
pub struct Rtt {
    smoothed: Option<Duration>,
    next_id: u64,
    next_at: Option<Instant>,
    in_flight: VecDeque<(u64, Instant)>,
}

impl Rtt {
    /// The smoothed round trip, once one answer came.
    pub fn smoothed(&self) -> Option<Duration> {
        self.smoothed
    }

    /// The number of a ping to send now, if one is due; the first is due at once.
    pub fn ping_due(&mut self, now: Instant) -> Option<u64> {
        if self.next_at.is_some_and(|at| now < at) {
            return None;
        }
        self.next_at = Some(now + PING_EVERY);
        self.next_id = self.next_id.wrapping_add(1);
        if self.in_flight.len() == IN_FLIGHT {
            self.in_flight.pop_front();
        }
        self.in_flight.push_back((self.next_id, now));
        Some(self.next_id)
    }

    /// The answer to ping `id` came at `now`; answers to pings not sent
    /// here (another part of sessui asking) are ignored.
    pub fn answered(&mut self, id: u64, now: Instant) {
        let Some(i) = self.in_flight.iter().position(|(n, _)| *n == id) else {
            return;
        };
        // Pings sent before it and still unanswered never will be (the
        // job answers in order).
        let (_, sent) = self.in_flight.drain(..=i).next_back().unwrap_or((id, now));
        self.sample(now.saturating_duration_since(sent));
    }

    /// Adds one measured round trip.
    pub fn sample(&mut self, rtt: Duration) {
        self.smoothed = Some(match self.smoothed {
            None => rtt,
            Some(s) => s.mul_f64(1.0 - GAIN) + rtt.mul_f64(GAIN),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_ping_is_due_at_once_then_once_a_second() {
        let t = Instant::now();
        let mut r = Rtt::default();
        assert_eq!(r.ping_due(t), Some(1));
        assert_eq!(r.ping_due(t + Duration::from_millis(500)), None);
        assert_eq!(r.ping_due(t + PING_EVERY), Some(2));
    }

    #[test]
    fn answers_are_timed_and_smoothed() {
        let t = Instant::now();
        let mut r = Rtt::default();
        let id = r.ping_due(t).unwrap();
        r.answered(id, t + Duration::from_millis(200));
        assert_eq!(r.smoothed(), Some(Duration::from_millis(200)));
        // One fast answer moves the average an eighth of the way.
        r.sample(Duration::from_millis(40));
        assert_eq!(r.smoothed(), Some(Duration::from_millis(180)));
    }

    #[test]
    fn an_unknown_answer_changes_nothing() {
        let t = Instant::now();
        let mut r = Rtt::default();
        r.ping_due(t);
        r.answered(99, t + Duration::from_millis(5));
        assert_eq!(r.smoothed(), None);
    }

    #[test]
    fn unanswered_pings_are_bounded() {
        let t = Instant::now();
        let mut r = Rtt::default();
        for i in 0..100 {
            r.ping_due(t + PING_EVERY * i);
        }
        assert!(r.in_flight.len() <= IN_FLIGHT);
    }
}
