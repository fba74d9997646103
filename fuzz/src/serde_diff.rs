//! `json_differential`: vouch's strict JSON against serde_json on the same bytes.
//!
//! serde_json keeps the last of duplicate keys silently, so the document is read into [`J`], a
//! tree that keeps every member in order, and duplicates are looked for here.

use core::fmt;
use std::collections::HashSet;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use vouch_core::{Error, json};

use crate::checks;

/// A JSON value as serde_json reads it, with every object member kept in document order.
#[derive(Debug)]
pub enum J {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, as f64 (integers converted; serde_json with `float_roundtrip` rounds exactly).
    Num(f64),
    /// A string, unescaped.
    Str(String),
    /// An array.
    Arr(Vec<J>),
    /// An object, duplicates kept.
    Obj(Vec<(String, J)>),
}

struct JVisitor;

impl<'de> Visitor<'de> for JVisitor {
    type Value = J;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<J, E> {
        Ok(J::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<J, E> {
        Ok(J::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<J, E> {
        Ok(J::Num(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<J, E> {
        Ok(J::Num(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<J, E> {
        Ok(J::Num(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<J, E> {
        Ok(J::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<J, E> {
        Ok(J::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut v = Vec::new();
        while let Some(e) = seq.next_element::<J>()? {
            v.push(e);
        }
        Ok(J::Arr(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        let mut v = Vec::new();
        while let Some((k, val)) = map.next_entry::<String, J>()? {
            v.push((k, val));
        }
        Ok(J::Obj(v))
    }
}

impl<'de> Deserialize<'de> for J {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<J, D::Error> {
        d.deserialize_any(JVisitor)
    }
}

/// Facts about a [`J`] tree that vouch's limits depend on.
#[derive(Default, Debug)]
struct Facts {
    duplicate: bool,
    depth: usize,
    max_members: usize,
}

fn facts(j: &J, depth: usize, f: &mut Facts) {
    match j {
        J::Arr(v) => {
            f.depth = f.depth.max(depth + 1);
            v.iter().for_each(|e| facts(e, depth + 1, f));
        }
        J::Obj(m) => {
            f.depth = f.depth.max(depth + 1);
            f.max_members = f.max_members.max(m.len());
            let mut seen = HashSet::new();
            for (k, v) in m {
                if !seen.insert(k.as_str()) {
                    f.duplicate = true;
                }
                facts(v, depth + 1, f);
            }
        }
        _ => {}
    }
}

/// Asserts that vouch's view of `v` equals serde_json's `j`.
fn same(j: &J, v: json::Value<'_>) {
    match j {
        J::Null => assert!(v.is_null(), "null vs {:?}", v.kind()),
        J::Bool(b) => assert_eq!(v.as_bool(), Some(*b)),
        J::Num(x) => {
            assert_eq!(v.kind(), json::Kind::Number);
            let text = core::str::from_utf8(v.raw()).expect("ASCII");
            let mine: f64 = text.parse().expect("a JSON number parses as f64");
            assert_eq!(mine, *x, "number {text} differs");
        }
        J::Str(s) => {
            let js = v.as_str().expect("a string");
            assert_eq!(checks::unescaped(&js), s.as_bytes(), "string differs");
            assert!(js.eq_str(s));
        }
        J::Arr(items) => {
            let els: Vec<_> = v.elements().collect();
            assert_eq!(els.len(), items.len(), "array length differs");
            items.iter().zip(els).for_each(|(a, b)| same(a, b));
        }
        J::Obj(members) => {
            let mine: Vec<_> = v.members().collect();
            assert_eq!(mine.len(), members.len(), "member count differs");
            for ((k, val), (mk, mv)) in members.iter().zip(mine) {
                assert_eq!(checks::unescaped(&mk), k.as_bytes(), "key differs");
                same(val, mv);
                same(val, v.get(k).expect("get finds the key"));
            }
        }
    }
}

/// `json_differential`: every document vouch accepts is accepted by serde_json, has no
/// duplicate keys and reads the same (keys, strings, numbers, structure); every document
/// serde_json rejects vouch rejects too; and every vouch rejection of a document serde_json
/// accepts is one of vouch's limits (duplicates, depth, members) that really applies.
pub fn check_json_differential(data: &[u8]) {
    let accepted = checks::check_json_self(data);
    let mine = json::parse(data);
    assert_eq!(mine.is_ok(), accepted);
    match serde_json::from_slice::<J>(data) {
        Err(e) => {
            // serde_json refuses numbers beyond f64; RFC 8259 allows them and so does vouch.
            let out_of_range = e.to_string().contains("number out of range");
            assert!(
                mine.is_err() || out_of_range,
                "serde_json rejects ({e}) what vouch accepts: {:?}",
                String::from_utf8_lossy(data)
            );
        }
        Ok(j) => {
            let mut f = Facts::default();
            facts(&j, 0, &mut f);
            match mine {
                Ok(v) => {
                    assert!(!f.duplicate, "vouch accepted a duplicate key");
                    assert!(
                        f.depth <= json::MAX_DEPTH,
                        "vouch accepted depth {}",
                        f.depth
                    );
                    assert!(f.max_members <= json::MAX_OBJECT_MEMBERS);
                    same(&j, v);
                }
                Err(Error::DuplicateKey) => assert!(f.duplicate, "no duplicate here"),
                Err(Error::JsonTooDeep) => assert!(f.depth > json::MAX_DEPTH),
                Err(Error::JsonObjectTooLarge) => {
                    assert!(f.max_members > json::MAX_OBJECT_MEMBERS)
                }
                Err(e) => panic!(
                    "vouch rejects valid JSON with {e:?}: {:?}",
                    String::from_utf8_lossy(data)
                ),
            }
        }
    }
}
