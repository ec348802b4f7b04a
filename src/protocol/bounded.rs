//! Lists decoded from a frame stay within the frame limit in memory too: a
//! list says how many items follow, and an item that is small on the wire
//! can be large in memory (an empty history line is 2 bytes sent, 32 kept),
//! so a frame under the limit could otherwise make a list 16 times over it.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, Error, SeqAccess, Visitor};

use super::MAX_FRAME;

/// For `#[serde(deserialize_with = "...")]` on a list field: refuses a list
/// whose items would take more than `MAX_FRAME` bytes of buffer.
pub fn vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    d.deserialize_seq(Bounded(PhantomData))
}

struct Bounded<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for Bounded<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        // A growing list's buffer is at most twice its items.
        let max = MAX_FRAME / 2 / std::mem::size_of::<T>().max(1);
        // The count the peer claims is not trusted with the first buffer.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            if items.len() == max {
                return Err(A::Error::custom(format_args!(
                    "a list of more than {max} items in one frame"
                )));
            }
            items.push(item);
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use crate::protocol::{HistoryLine, ServerMsg};

    #[test]
    fn a_list_too_big_for_memory_is_refused_and_a_real_one_kept() {
        let line = HistoryLine {
            text: String::new(),
            wrapped: false,
        };
        let max = super::MAX_FRAME / 2 / std::mem::size_of::<HistoryLine>();
        let big = ServerMsg::History {
            lines: vec![line.clone(); max + 1],
        };
        let bytes = postcard::to_allocvec(&big).unwrap();
        assert!(postcard::from_bytes::<ServerMsg>(&bytes).is_err());
        let fits = ServerMsg::History {
            lines: vec![line; 2_000],
        };
        let bytes = postcard::to_allocvec(&fits).unwrap();
        assert_eq!(postcard::from_bytes::<ServerMsg>(&bytes).unwrap(), fits);
    }
}
