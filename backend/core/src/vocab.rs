//! The one mechanism for closed vocabularies stored and sent as strings.
//!
//! [`string_enum!`](crate::string_enum) declares an enum with its stable snake_case codes,
//! serde and OpenAPI names, `as_str`, `Display`, `FromStr` and `ALL`. Input is parsed with
//! `FromStr` (an unknown value is the caller's mistake: [`UnknownValue`] → `Error::Invalid`);
//! a value read back from the database is parsed with [`Stored::from_stored`], which refuses
//! an unknown value loudly (`Error::Corrupt`) instead of guessing a default.

use crate::Error;

/// A value outside a closed vocabulary.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown {vocabulary} value '{value}', expected one of: {}", allowed.join(", "))]
pub struct UnknownValue {
    pub vocabulary: &'static str,
    pub value: String,
    pub allowed: &'static [&'static str],
}

impl From<UnknownValue> for Error {
    fn from(e: UnknownValue) -> Self {
        Error::invalid(e.vocabulary, e.to_string())
    }
}

/// Reading a vocabulary value back from the database.
pub trait Stored: Sized + std::str::FromStr<Err = UnknownValue> {
    /// A stored value that is not in the vocabulary means the data or the code is wrong:
    /// fail the operation rather than show something else.
    fn from_stored(s: &str) -> Result<Self, Error> {
        s.parse()
            .map_err(|e: UnknownValue| Error::Corrupt(format!("stored {e}")))
    }
}

impl<T: std::str::FromStr<Err = UnknownValue>> Stored for T {}

/// Declares a string-coded enum: `Name { Variant => "code", ... }`. Attributes before the
/// name (doc comments, extra derives) and before each variant are kept. The using crate
/// needs `serde` and `utoipa`.
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::vocab::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::vocab::UnknownValue {
                        vocabulary: stringify!($name),
                        value: s.chars().take(64).collect(),
                        allowed: &[$($code),+],
                    }),
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::string_enum!(
        /// A vocabulary declared the way the domain crates declare theirs.
        Colour {
            Red => "red",
            DarkBlue => "dark_blue",
        }
    );

    #[test]
    fn codes_round_trip_through_as_str_and_from_str() {
        for c in Colour::ALL {
            assert_eq!(c.as_str().parse::<Colour>().unwrap(), *c);
        }
        assert_eq!(Colour::DarkBlue.to_string(), "dark_blue");
    }

    #[test]
    fn an_unknown_stored_value_is_corrupt_data_not_a_default() {
        assert_eq!(Colour::from_stored("red").unwrap(), Colour::Red);
        let err = Colour::from_stored("blue").unwrap_err();
        assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
        assert!(err.to_string().contains("'blue'"), "{err}");
    }

    #[test]
    fn an_unknown_input_value_is_the_callers_mistake() {
        let err = Error::from("blue".parse::<Colour>().unwrap_err());
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
        assert!(err.to_string().contains("red, dark_blue"), "{err}");
    }
}
