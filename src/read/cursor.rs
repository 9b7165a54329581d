//! Checked reads over byte slices: the only place in the crate that splits input bytes.
//!
//! Parsers never index a slice; they ask this module for a range or a fixed-size array and get
//! `None` when the input is too short. Offsets are `u64` file offsets; conversions to `usize`
//! are checked, so a hostile 64-bit offset can never wrap or panic.

/// Byte order of a multi-byte integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Endian {
    Little,
    Big,
}

impl Endian {
    pub(crate) fn u16(self, bytes: [u8; 2]) -> u16 {
        match self {
            Endian::Little => u16::from_le_bytes(bytes),
            Endian::Big => u16::from_be_bytes(bytes),
        }
    }

    pub(crate) fn u32(self, bytes: [u8; 4]) -> u32 {
        match self {
            Endian::Little => u32::from_le_bytes(bytes),
            Endian::Big => u32::from_be_bytes(bytes),
        }
    }

    pub(crate) fn u64(self, bytes: [u8; 8]) -> u64 {
        match self {
            Endian::Little => u64::from_le_bytes(bytes),
            Endian::Big => u64::from_be_bytes(bytes),
        }
    }
}

/// The `len` bytes of `data` starting at `offset`, or `None` when any of them lies outside.
#[inline]
pub(crate) fn slice_at(data: &[u8], offset: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let len = usize::try_from(len).ok()?;
    data.get(start..start.checked_add(len)?)
}

/// The bytes of `data` from `offset` to its end (empty at the end, `None` past it).
#[inline]
pub(crate) fn tail_at(data: &[u8], offset: u64) -> Option<&[u8]> {
    data.get(usize::try_from(offset).ok()?..)
}

/// `N` bytes of `data` at `offset`, copied into an array.
#[inline]
pub(crate) fn array_at<const N: usize>(data: &[u8], offset: u64) -> Option<[u8; N]> {
    let bytes = slice_at(data, offset, N as u64)?;
    <[u8; N]>::try_from(bytes).ok()
}

#[inline]
pub(crate) fn u16_at(data: &[u8], offset: u64, endian: Endian) -> Option<u16> {
    array_at(data, offset).map(|b| endian.u16(b))
}

#[inline]
pub(crate) fn u32_at(data: &[u8], offset: u64, endian: Endian) -> Option<u32> {
    array_at(data, offset).map(|b| endian.u32(b))
}

#[inline]
pub(crate) fn u64_at(data: &[u8], offset: u64, endian: Endian) -> Option<u64> {
    array_at(data, offset).map(|b| endian.u64(b))
}

/// `offset + len`, or `None` on overflow.
pub(crate) fn end_of(offset: u64, len: u64) -> Option<u64> {
    offset.checked_add(len)
}

/// Whether `offset..offset + len` lies within `0..total`.
pub(crate) fn range_within(offset: u64, len: u64, total: u64) -> bool {
    end_of(offset, len).is_some_and(|end| end <= total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_checked() {
        let data = [1u8, 2, 3, 4, 5];
        assert_eq!(slice_at(&data, 1, 3), Some(&data[1..4]));
        assert_eq!(slice_at(&data, 5, 0), Some(&[][..]));
        assert_eq!(slice_at(&data, 4, 2), None);
        assert_eq!(slice_at(&data, u64::MAX, 1), None);
        assert_eq!(slice_at(&data, 1, u64::MAX), None);
        assert_eq!(tail_at(&data, 5), Some(&[][..]));
        assert_eq!(tail_at(&data, 6), None);
        assert_eq!(u16_at(&data, 0, Endian::Little), Some(0x0201));
        assert_eq!(u16_at(&data, 0, Endian::Big), Some(0x0102));
        assert_eq!(u32_at(&data, 1, Endian::Little), Some(0x0504_0302));
        assert_eq!(u32_at(&data, 2, Endian::Little), None);
        assert_eq!(u64_at(&data, 0, Endian::Big), None);
        assert!(range_within(2, 3, 5));
        assert!(!range_within(2, 4, 5));
        assert!(!range_within(u64::MAX, 1, u64::MAX));
    }
}
