//! C enums whose values stand for the library's stable names.
//!
//! A C enum mirrors a library type by name: its values carry the library's names
//! (`Severity::as_str`, `PreambleKind::name`, `Error::code`, ...), the C ABI turns a library
//! value into a C value by looking its name up ([`Named::from_name`]) and a C value into a
//! library value by looking its name up in the library's table ([`library_value`]), and a unit
//! test beside each enum checks that the two tables hold the same names
//! (`tests::assert_mirrors`). The C strings are spelled out only because C needs them
//! NUL-terminated and static; that test is what ties them to the library's.

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

/// The value of the library's table `all` whose name (by `name_of`) is `name`: the library
/// value a C value stands for.
pub(crate) fn library_value<L: Copy>(
    all: &[L],
    name_of: fn(L) -> &'static str,
    name: &CStr,
) -> Option<L> {
    all.iter()
        .copied()
        .find(|value| name_of(*value).as_bytes() == name.to_bytes())
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

    /// The names of every value of a library table.
    pub(crate) fn library_names<L: Copy>(
        all: &[L],
        name_of: fn(L) -> &'static str,
    ) -> Vec<&'static str> {
        all.iter().copied().map(name_of).collect()
    }

    /// `T` mirrors the library table `library`: every value of `T` but the C ABI's own
    /// (`own`, which no library name may have) bears the name of one library value, and every
    /// library name is some value's. A library variant added without its C value fails here.
    pub(crate) fn assert_mirrors<T: Named + std::fmt::Debug>(library: &[&str], own: &[T]) {
        assert_names_round_trip::<T>();
        let name = |value: &T| value.name().to_str().unwrap();
        let mut mirrored: Vec<&str> = T::ALL
            .iter()
            .filter(|value| !own.contains(value))
            .map(name)
            .collect();
        let mut library = library.to_vec();
        mirrored.sort_unstable();
        library.sort_unstable();
        assert_eq!(mirrored, library, "{}", std::any::type_name::<T>());
        for value in own {
            assert!(!library.contains(&name(value)), "{value:?}");
        }
    }

    /// Every value's name is unique and leads back to it.
    pub(crate) fn assert_names_round_trip<T: Named + std::fmt::Debug>() {
        for &value in T::ALL {
            let name = value.name().to_str().unwrap();
            assert!(!name.is_empty(), "{value:?}");
            assert_eq!(T::from_name(name), Some(value), "{name}");
        }
    }
}
