//! C enums whose values stand for the library's stable names.

use std::ffi::CStr;

/// A C enum whose values each stand for one stable name of the library (a preamble kind's
/// `name()`, an error's `code()`, a severity's `as_str()`), or of the C ABI itself.
pub(crate) trait Named: Copy + PartialEq + 'static {
    /// Every value, in declaration order.
    const ALL: &'static [Self];

    /// The value's stable name.
    fn name(self) -> &'static CStr;

    /// The value whose name is `name`.
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|value| value.name().to_bytes() == name.as_bytes())
    }

    /// The names of every value, for error messages: `"a, b, c"`.
    fn expected() -> String {
        let names: Vec<_> = Self::ALL
            .iter()
            .map(|value| value.name().to_string_lossy())
            .collect();
        names.join(", ")
    }
}

/// A [`Named`] enum that C passes in as an integer. Reading a C integer straight into a Rust
/// enum would be undefined behaviour for values outside the enum, so C structs carry
/// `uint32_t` and the library decodes them here.
pub(crate) trait Decode: Named {
    /// The value's C integer.
    fn raw(self) -> u32;

    /// The value whose C integer is `raw`.
    fn from_raw(raw: u32) -> Option<Self> {
        Self::ALL.iter().copied().find(|value| value.raw() == raw)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Every value's name is unique and leads back to it.
    pub(crate) fn assert_names_round_trip<T: Named + std::fmt::Debug>() {
        for &value in T::ALL {
            let name = value.name().to_str().unwrap();
            assert!(!name.is_empty(), "{value:?}");
            assert_eq!(T::from_name(name), Some(value), "{name}");
        }
    }
}
