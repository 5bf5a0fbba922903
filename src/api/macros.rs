//! The two macros every model file uses: `model!` for structs and `api_enum!`
//! for string enums, so that all models decode the same tolerant way.

use serde::{Deserialize, Deserializer};

/// Decode a field, treating JSON `null` like an absent field (the type's default).
///
/// The service is a Java application that may write `"description": null`; a model
/// field of type `String` or `Vec<_>` must not fail on that.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A plain serde model: camelCase on the wire, every field optional when decoding
/// (missing or `null` = the field type's default), unknown fields ignored, and
/// `Option` fields left out of the JSON when they are `None`.
///
/// Write the struct as usual inside the macro; each field is `pub name: Type`.
macro_rules! model {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident { $($body:tt)* }
    ) => {
        model!(@fields [$(#[$meta])*] [$vis] $name [] $($body)*);
    };
    // an `Option` field: skipped when `None`
    (@fields $metas:tt $vis:tt $name:ident [$($done:tt)*]
        $(#[$fmeta:meta])* pub $field:ident : Option<$ty:ty> $(, $($rest:tt)*)?
    ) => {
        model!(@fields $metas $vis $name [$($done)*
            $(#[$fmeta])*
            #[serde(skip_serializing_if = "Option::is_none")]
            #[serde(deserialize_with = "crate::api::macros::null_as_default")]
            pub $field: Option<$ty>,
        ] $($($rest)*)?);
    };
    // any other field: always sent
    (@fields $metas:tt $vis:tt $name:ident [$($done:tt)*]
        $(#[$fmeta:meta])* pub $field:ident : $ty:ty $(, $($rest:tt)*)?
    ) => {
        model!(@fields $metas $vis $name [$($done)*
            $(#[$fmeta])*
            #[serde(deserialize_with = "crate::api::macros::null_as_default")]
            pub $field: $ty,
        ] $($($rest)*)?);
    };
    (@fields [$(#[$meta:meta])*] [$vis:vis] $name:ident [$($done:tt)*]) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "camelCase", default)]
        $vis struct $name { $($done)* }
    };
}

/// A string enum of the API: each variant names its exact wire value, plus an
/// `Unknown` variant that absorbs any value this version of the library does not
/// know, so a new server value never breaks decoding.
macro_rules! api_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] $variant,)*
            /// A value this version of the library does not know. Setters refuse to send
            /// it (`InvalidInput`); as part of a request body it is sent as `"UNKNOWN"`,
            /// which the service rejects.
            #[serde(other, rename = "UNKNOWN")]
            Unknown,
        }

        impl $name {
            /// Every known value, in the order the API documents them.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The value as the API spells it (`"UNKNOWN"` for `Unknown`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Unknown => "UNKNOWN",
                }
            }

            /// Parse the API spelling; anything else is `Unknown`.
            pub fn from_wire(s: &str) -> $name {
                match s {
                    $($wire => $name::$variant,)*
                    _ => $name::Unknown,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use {api_enum, model};
