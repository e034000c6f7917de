//! Looking at every string a value serializes (string values, map keys, struct field and
//! variant names) without writing the value out: [`any_string`] is the quick look of
//! [`super::Redactor::scrub`], which most results pass with nothing to change.
use serde::ser::{self, Serialize};
use std::fmt::{self, Display};

/// Whether `found` holds for a string that `value` serializes: a string value, a map key, a
/// struct field name or an enum variant name (all of which become strings of its JSON), or
/// text written through `collect_str`. Stops at the first. Numbers, booleans and bytes are not
/// looked at. A value whose `Serialize` fails counts as found, so a caller that then walks it
/// the slow way loses nothing.
pub(crate) fn any_string<T: Serialize + ?Sized>(
    value: &T,
    found: impl FnMut(&str) -> bool,
) -> bool {
    let mut scan = Scan { found };
    value.serialize(&mut scan).is_err()
}

struct Scan<F> {
    found: F,
}

/// Why the scan stopped early: a string was found, or the value failed to serialize.
#[derive(Debug)]
struct Stop;

impl Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stopped")
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<T: Display>(_: T) -> Self {
        Stop
    }
}

impl<F: FnMut(&str) -> bool> Scan<F> {
    fn look(&mut self, s: &str) -> Result<(), Stop> {
        if (self.found)(s) {
            Err(Stop)
        } else {
            Ok(())
        }
    }
}

/// Serializer methods for values that hold no string: nothing to look at.
macro_rules! ignored {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, _: $ty) -> Result<(), Stop> {
            Ok(())
        }
    )*};
}

/// Compound parts whose elements carry no name: each is passed on.
macro_rules! pass_on {
    ($($part:ident::$method:ident),*) => {$(
        impl<F: FnMut(&str) -> bool> ser::$part for &mut Scan<F> {
            type Ok = ();
            type Error = Stop;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Stop> {
                Ok(())
            }
        }
    )*};
}

/// Compound parts with named fields: the name is looked at, then the value passed on.
macro_rules! named_fields {
    ($($part:ident),*) => {$(
        impl<F: FnMut(&str) -> bool> ser::$part for &mut Scan<F> {
            type Ok = ();
            type Error = Stop;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Stop> {
                self.look(key)?;
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Stop> {
                Ok(())
            }
        }
    )*};
}

impl<F: FnMut(&str) -> bool> ser::Serializer for &mut Scan<F> {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    ignored!(
        serialize_bool: bool,
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_i128: i128,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64,
        serialize_u128: u128,
        serialize_f32: f32,
        serialize_f64: f64,
        serialize_bytes: &[u8],
        serialize_unit_struct: &'static str
    );
    fn serialize_char(self, c: char) -> Result<(), Stop> {
        self.look(c.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, s: &str) -> Result<(), Stop> {
        self.look(s)
    }
    fn serialize_none(self) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Stop> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Stop> {
        self.look(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        self.look(variant)?;
        value.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Stop> {
        self.look(variant)?;
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Stop> {
        self.look(variant)?;
        Ok(self)
    }
    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<(), Stop> {
        self.look(&value.to_string())
    }
}

// Sequences and tuples pass each element on; maps their keys and values; structs look at each
// field's name, then pass its value on.
pass_on!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);
named_fields!(SerializeStruct, SerializeStructVariant);

impl<F: FnMut(&str) -> bool> ser::SerializeMap for &mut Scan<F> {
    type Ok = ();
    type Error = Stop;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Stop> {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    enum Kind {
        Plain,
        Named { inner: String },
        Wrapped(u32),
    }

    #[derive(Serialize)]
    struct Sample {
        number: u64,
        text: String,
        list: Vec<Option<String>>,
        map: BTreeMap<String, i32>,
        kind: Kind,
        #[serde(serialize_with = "as_display")]
        shown: u32,
    }

    fn as_display<S: ser::Serializer>(v: &u32, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("shown-{v}"))
    }

    fn sample(kind: Kind) -> Sample {
        Sample {
            number: 42,
            text: "hello".into(),
            list: vec![None, Some("deep".into())],
            map: BTreeMap::from([("key-one".to_string(), 1)]),
            kind,
            shown: 7,
        }
    }

    /// Every string the scan saw, in order (the predicate never stops it).
    fn seen(v: &impl Serialize) -> Vec<String> {
        let mut all = Vec::new();
        assert!(!any_string(v, |s| {
            all.push(s.to_string());
            false
        }));
        all
    }

    #[test]
    fn sees_every_string_that_json_would_show() {
        let all = seen(&sample(Kind::Named {
            inner: "in-variant".into(),
        }));
        for s in [
            "number",
            "text",
            "hello",
            "list",
            "deep",
            "map",
            "key-one",
            "kind",
            "Named",
            "inner",
            "in-variant",
            "shown",
            "shown-7",
        ] {
            assert!(all.iter().any(|x| x == s), "{s} not seen in {all:?}");
        }
        // Numbers are not strings.
        assert!(!all.iter().any(|x| x == "42"));
        assert!(seen(&sample(Kind::Plain)).iter().any(|x| x == "Plain"));
        assert!(seen(&sample(Kind::Wrapped(3)))
            .iter()
            .any(|x| x == "Wrapped"));
        // The same strings as the JSON text holds, for a JSON value.
        let v = serde_json::json!({"a": ["b", {"c": "d"}], "e": 1});
        assert_eq!(seen(&v), ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn stops_at_the_first_string_found() {
        let mut looked = 0;
        assert!(any_string(&sample(Kind::Plain), |s| {
            looked += 1;
            s == "hello"
        }));
        assert_eq!(looked, 3, "number, text, hello: then it stopped");
        assert!(!any_string(&sample(Kind::Plain), |s| s == "absent"));
    }

    #[test]
    fn a_value_that_fails_to_serialize_counts_as_found() {
        struct Broken;
        impl Serialize for Broken {
            fn serialize<S: ser::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(ser::Error::custom("no"))
            }
        }
        assert!(any_string(&Broken, |_| false));
    }
}
