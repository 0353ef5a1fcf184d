//! A district's name as the state holds it: one shared string per district, not one copy per
//! volunteer and per participant of every activity.
//!
//! A province has a million volunteers and several million participations over a hundred or
//! so district names; each `String` copy of "吴兴区" cost a heap block of its own (16 bytes and
//! a 24-byte field). A [`SharedName`] is an 8-byte pointer to a string counted once per
//! district (a thin pointer: `Arc<str>` would take 16 bytes, its length beside the pointer,
//! in every activity and volunteer), and the same name folded or decoded on one thread finds
//! the string already made.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::limits::SHARED_NAMES_PER_THREAD;

thread_local! {
    /// The names this thread made, so the next one with the same text shares them.
    static NAMES: RefCell<HashMap<Box<str>, Arc<String>>> = RefCell::new(HashMap::new());
}

/// A name shared by everything that carries it (a district's); compares, hashes, prints and
/// serialises as its text, so a snapshot holds the same bytes as a `String`'s.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SharedName(Arc<String>);

// One pointer: an activity and a volunteer each hold one (`activities`, `volunteers`).
const _: () = assert!(std::mem::size_of::<SharedName>() == std::mem::size_of::<usize>());

impl SharedName {
    /// The name with this text: the string this thread already made for it, if any.
    ///
    /// Each thread keeps at most [`SHARED_NAMES_PER_THREAD`] texts; past that a name is made
    /// on its own (correct, only not shared), so no input grows the cache without bound.
    pub fn new(text: &str) -> SharedName {
        NAMES.with(|names| {
            let mut names = names.borrow_mut();
            if let Some(found) = names.get(text) {
                return SharedName(found.clone());
            }
            let made = Arc::new(text.to_owned());
            if names.len() < SHARED_NAMES_PER_THREAD {
                names.insert(text.into(), made.clone());
            }
            SharedName(made)
        })
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl Default for SharedName {
    fn default() -> Self {
        SharedName::new("")
    }
}

impl Deref for SharedName {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedName {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for SharedName {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for SharedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SharedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<&str> for SharedName {
    fn from(text: &str) -> Self {
        SharedName::new(text)
    }
}

impl From<&String> for SharedName {
    fn from(text: &String) -> Self {
        SharedName::new(text)
    }
}

impl From<SharedName> for String {
    fn from(name: SharedName) -> Self {
        name.as_str().to_owned()
    }
}

impl PartialEq<str> for SharedName {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SharedName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for SharedName {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<SharedName> for String {
    fn eq(&self, other: &SharedName) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<SharedName> for str {
    fn eq(&self, other: &SharedName) -> bool {
        self == other.as_str()
    }
}

impl Serialize for SharedName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SharedName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Takes the text borrowed where the format allows it, owned where it does not.
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = SharedName;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a name")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SharedName, E> {
                Ok(SharedName::new(v))
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<SharedName, E> {
                std::str::from_utf8(v)
                    .map(SharedName::new)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Bytes(v), &self))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_name_made_twice_on_a_thread_is_one_string() {
        let a = SharedName::new("吴兴区");
        let b = SharedName::from(&"吴兴区".to_owned());
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, "吴兴区");
        assert_eq!("吴兴区".to_owned(), a);
    }

    #[test]
    fn a_name_serialises_as_the_string_it_replaced() {
        let name = SharedName::new("南浔区");
        let as_name = bincode::serialize(&name).expect("encode");
        let as_string = bincode::serialize(&"南浔区".to_owned()).expect("encode");
        assert_eq!(as_name, as_string);
        let back: SharedName = bincode::deserialize(&as_string).expect("decode");
        assert_eq!(back, name);
        assert!(
            Arc::ptr_eq(&back.0, &name.0),
            "decoded names are shared too"
        );
        let json = serde_json::to_string(&name).expect("json");
        assert_eq!(json, "\"南浔区\"");
    }

    #[test]
    fn past_the_cache_names_are_still_right() {
        for i in 0..SHARED_NAMES_PER_THREAD + 10 {
            let text = format!("区{i}");
            assert_eq!(SharedName::new(&text).as_str(), text);
        }
    }
}
