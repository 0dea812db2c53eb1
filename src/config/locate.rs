//! Finds the line and column of a key path such as `endpoints[2].name`.
//!
//! Rules that span several values (duplicate names, `block` longer than
//! `duration`) are checked after parsing, when serde's positions are gone.
//! This walks the YAML once more with serde_yaml and raises a marker error
//! at the wanted value; serde_yaml stamps that error with the value's
//! position, which is the honest line to report.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Raised at the target; any other error means "not found".
const MARKER: &str = "benchgate: located";

/// The 1-based line and column of `path` in `text`, or of its nearest
/// ancestor that is present; `(1, 1)` if none is.
pub(super) fn locate(text: &str, path: &str) -> (usize, usize) {
    let segments: Vec<Segment> = parse_path(path);
    (0..=segments.len())
        .rev()
        .find_map(|len| find(text, &segments[..len]))
        .unwrap_or((1, 1))
}

fn find(text: &str, segments: &[Segment]) -> Option<(usize, usize)> {
    let de = serde_yaml::Deserializer::from_str(text);
    let err = Finder(segments).deserialize(de).err()?;
    if !err.to_string().contains(MARKER) {
        return None;
    }
    err.location().map(|l| (l.line(), l.column()))
}

#[derive(Debug, PartialEq)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// `a.b[1].c` → `[Key(a), Key(b), Index(1), Key(c)]`.
fn parse_path(path: &str) -> Vec<Segment<'_>> {
    let mut segments = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut pieces = part.split('[');
        if let Some(key) = pieces.next().filter(|k| !k.is_empty()) {
            segments.push(Segment::Key(key));
        }
        for index in pieces {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                segments.push(Segment::Index(i));
            }
        }
    }
    segments
}

struct Finder<'a>(&'a [Segment<'a>]);

impl<'de> DeserializeSeed<'de> for Finder<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Finder<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }

    // A scalar at the end of the path is the target; the default methods of
    // `Visitor` refuse scalars, which reads as "not found" unless the error
    // carries the marker, so only the target scalar needs a method.
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.here()
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.here()
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.here()
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.here()
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.here()
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.here()
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((Segment::Key(want), rest)) = self.0.split_first() else {
            return self.here();
        };
        while let Some(key) = map.next_key::<String>()? {
            if key == *want {
                return map.next_value_seed(Finder(rest));
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((Segment::Index(want), rest)) = self.0.split_first() else {
            return self.here();
        };
        for _ in 0..*want {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(());
            }
        }
        seq.next_element_seed(Finder(rest)).map(|_| ())
    }
}

impl Finder<'_> {
    /// Succeeds quietly when the path goes on, fails with the marker at the
    /// target.
    fn here<E: de::Error>(&self) -> Result<(), E> {
        if self.0.is_empty() {
            Err(E::custom(MARKER))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "a: 1\nlist:\n  - name: x\n  - name: y\n    inner: { k: [1, 2] }\n";

    #[test]
    fn finds_values_by_path() {
        assert_eq!(locate(TEXT, "a"), (1, 4));
        assert_eq!(locate(TEXT, "list[1].name"), (4, 11));
        assert_eq!(locate(TEXT, "list[1].inner.k[1]"), (5, 21));
    }

    #[test]
    fn falls_back_to_the_nearest_ancestor() {
        assert_eq!(locate(TEXT, "list[1].missing"), (4, 5));
        assert_eq!(locate(TEXT, "nothing.here"), (1, 1));
    }

    #[test]
    fn parses_paths() {
        use Segment::{Index, Key};
        assert_eq!(
            parse_path("endpoints[2].headers.X"),
            vec![Key("endpoints"), Index(2), Key("headers"), Key("X")]
        );
    }
}
