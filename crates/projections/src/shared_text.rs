//! A text that many values of the state carry, as they hold it: one string for every value
//! of the same text that a thread made recently, not a copy per value.
//!
//! An activity's title recurs: a team logs its weekly visit to the same households, its
//! Tuesday patrol, its month's health talk under the same words all year. A consent's purpose
//! is one of a few, and who collected it is a team's coordinator, the same for every volunteer
//! they registered. A province holds about three million activities and a million
//! volunteers' consents, and a copy of "走访慰问困难老党员" or "荻溪六老志愿服务队协调员" in a
//! block of its own (a `String`'s or a box's) for each. A [`SharedText`] is a pointer and a
//! length, as a box is, to a string behind one count: a thread keeps the text it made last
//! for each of [`TEXT_CACHE_SLOTS`] slots, chosen by the text's hash, so a text met again
//! while it still holds its slot is shared, and a text met once costs the count's eight bytes
//! more than a box and gives its slot to the next. The cache holds at most that many texts
//! whatever the log says.

use std::cell::RefCell;
use std::fmt;
use std::hash::BuildHasher;
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::limits::TEXT_CACHE_SLOTS;

thread_local! {
    /// The text this thread made last for each slot.
    static RECENT: RefCell<Vec<Option<SharedText>>> = const { RefCell::new(Vec::new()) };
}

/// A text shared with the other values of the same text that this thread made while it held
/// its slot; compares, hashes, prints and serialises as its text, so a snapshot holds the same
/// bytes as a `String`'s.
#[derive(Clone)]
pub struct SharedText(triomphe::Arc<str>);

// A pointer and a length, as a boxed string: an activity keeps its size, a consent is 16
// bytes smaller than with two `String`s.
const _: () = assert!(std::mem::size_of::<SharedText>() == std::mem::size_of::<Box<str>>());

impl SharedText {
    /// The shared text with this text: the one this thread made last for the text's slot when
    /// it is the same text, a new one (then kept in the slot) otherwise.
    pub fn new(text: &str) -> SharedText {
        RECENT.with(|recent| {
            let mut recent = recent.borrow_mut();
            if recent.is_empty() {
                recent.resize(TEXT_CACHE_SLOTS, None);
            }
            // Within the slots the cache was just given: the remainder of their count.
            let slot =
                &mut recent[rustc_hash::FxBuildHasher.hash_one(text) as usize % TEXT_CACHE_SLOTS];
            match slot {
                Some(kept) if kept.as_str() == text => kept.clone(),
                _ => {
                    let made = SharedText(triomphe::Arc::from(text));
                    *slot = Some(made.clone());
                    made
                }
            }
        })
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for SharedText {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedText {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for SharedText {
    fn eq(&self, other: &SharedText) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SharedText {}

impl std::hash::Hash for SharedText {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for SharedText {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SharedText {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for SharedText {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl fmt::Display for SharedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SharedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<&str> for SharedText {
    fn from(text: &str) -> Self {
        SharedText::new(text)
    }
}

impl From<SharedText> for String {
    fn from(text: SharedText) -> Self {
        text.as_str().to_owned()
    }
}

impl Serialize for SharedText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SharedText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = SharedText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a text")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<SharedText, E> {
                Ok(SharedText::new(text))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_made_twice_on_a_thread_is_one_string() {
        let a = SharedText::new("走访慰问困难老党员");
        let b = SharedText::new("走访慰问困难老党员");
        assert_eq!(a, b);
        assert_eq!(a.as_ptr(), b.as_ptr(), "shared, not copied");
        let other = SharedText::new("社区环境整治");
        assert_ne!(a, other);
        assert_eq!(other, "社区环境整治");
    }

    #[test]
    fn a_shared_text_reads_and_writes_as_the_string_it_holds() {
        let title = SharedText::new("银领共富 e站 助老服务");
        let bytes = bincode::serialize(&title).expect("encodes");
        assert_eq!(
            bytes,
            bincode::serialize("银领共富 e站 助老服务").expect("encodes")
        );
        let back: SharedText = bincode::deserialize(&bytes).expect("decodes");
        assert_eq!(back, title);
        assert_eq!(
            back.as_ptr(),
            title.as_ptr(),
            "decoded onto the string already made"
        );
        assert_eq!(
            serde_json::to_string(&title).expect("json"),
            "\"银领共富 e站 助老服务\""
        );
        let json: SharedText = serde_json::from_str("\"银领共富 e站 助老服务\"").expect("json");
        assert_eq!(json, title);
    }

    #[test]
    fn more_texts_than_slots_are_each_made_right_and_the_cache_stays_bounded() {
        let texts: Vec<String> = (0..TEXT_CACHE_SLOTS * 3)
            .map(|i| format!("活动 {i}"))
            .collect();
        let made: Vec<SharedText> = texts.iter().map(|t| SharedText::new(t)).collect();
        for (text, shared) in texts.iter().zip(&made) {
            assert_eq!(shared.as_str(), text);
        }
        RECENT.with(|recent| assert_eq!(recent.borrow().len(), TEXT_CACHE_SLOTS));
        let kept = RECENT.with(|recent| recent.borrow().iter().flatten().count());
        assert!(kept <= TEXT_CACHE_SLOTS);
    }
}
