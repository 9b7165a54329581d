//! The header walk: every element header of a data set, in file order, without reading values.
//!
//! The walk is iterative: open sequences, items and encapsulated pixel data are frames on a
//! heap-allocated stack bounded by [`Limits::max_depth`], so no nesting can overflow the call
//! stack. Values are skipped, never read: over a slice the walk moves an offset, over a
//! `Read + Seek` it seeks, over a deflated data set it inflates and discards. The only value
//! bytes it ever looks at are the first eight of an implicit VR element of unknown type, to
//! tell a private sequence from a plain value (as other toolkits do).

use dicom_core::header::{DataElementHeader, Length};
use dicom_core::{Tag, VR};

use crate::error::{Error, LimitKind, Structure, VrBytes};
use crate::limits::Limits;
use crate::read::dictionary;
use crate::read::encoding::Encoding;
use crate::read::header::{self, HeaderError, RawHeader, UNDEFINED};
use crate::read::probe::RandomAccess;
use crate::read::shared::SharedInput;
use crate::read::walk_source::{AnySource, WalkSource};

// The item and delimiter tags are the encoding's (PS3.5 §7.5), not attributes of the data
// dictionary: `dicom_dictionary_std::tags` does not have them (dicom-core spells them out
// too), so they are written here.

/// (FFFE,E000) Item.
pub const ITEM: Tag = Tag(0xFFFE, 0xE000);
/// (FFFE,E00D) Item Delimitation Item.
pub const ITEM_DELIMITER: Tag = Tag(0xFFFE, 0xE00D);
/// (FFFE,E0DD) Sequence Delimitation Item.
pub const SEQUENCE_DELIMITER: Tag = Tag(0xFFFE, 0xE0DD);
/// (7FE0,0010) Pixel Data: `dicom_dictionary_std::tags::PIXEL_DATA`.
pub const PIXEL_DATA: Tag = dicom_dictionary_std::tags::PIXEL_DATA;

/// Whether `tag` is one of the pixel data elements: (7FE0,0008) Float Pixel Data, (7FE0,0009)
/// Double Float Pixel Data or (7FE0,0010) Pixel Data.
pub(crate) fn is_pixel_data(tag: Tag) -> bool {
    tag.group() == PIXEL_DATA.group() && (0x0008..=PIXEL_DATA.element()).contains(&tag.element())
}

/// What a header the walk met is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ElementKind {
    /// A data element with a value.
    Value,
    /// A sequence (SQ, or UN of undefined length, or a private implicit VR sequence): its
    /// items follow at the next depth.
    Sequence,
    /// Encapsulated pixel data (undefined length): its fragments follow at the next depth.
    Encapsulated,
    /// A sequence item.
    Item,
    /// A fragment of encapsulated pixel data (the first is the Basic Offset Table).
    Fragment,
    /// The end of an item of undefined length.
    ItemDelimiter,
    /// The end of a sequence or of encapsulated pixel data of undefined length.
    SequenceDelimiter,
}

/// One header met by the walk.
///
/// Equality compares lengths by value: unlike `dicom_core::Length`, whose undefined length is
/// unequal to itself, two elements with undefined length compare equal.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Element {
    /// Offset of the header. For a deflated data set, `data set offset + inflated position`.
    pub offset: u64,
    /// Tag, VR and length. In implicit VR the VR comes from the standard dictionary (`UN` for
    /// tags it does not know); items and delimiters carry `UN`.
    pub header: DataElementHeader,
    /// Bytes of the header: 8 or 12.
    pub header_len: u8,
    /// Number of sequences (and encapsulated pixel data) enclosing the header; 0 at top level.
    /// Items, their elements and the sequence delimiter share the depth inside their sequence.
    pub depth: u32,
    /// What the header is.
    pub kind: ElementKind,
    /// Whether the VR was read from the header (explicit VR) rather than the dictionary.
    pub explicit_vr: bool,
}

impl PartialEq for Element {
    fn eq(&self, other: &Self) -> bool {
        self.offset == other.offset
            && self.header.tag == other.header.tag
            && self.header.vr == other.header.vr
            && self.header.len.0 == other.header.len.0
            && self.header_len == other.header_len
            && self.depth == other.depth
            && self.kind == other.kind
            && self.explicit_vr == other.explicit_vr
    }
}

impl Eq for Element {}

impl Element {
    /// The element's tag.
    pub fn tag(&self) -> Tag {
        self.header.tag
    }

    /// Offset of the first value byte.
    pub fn value_offset(&self) -> u64 {
        self.offset.saturating_add(u64::from(self.header_len))
    }

    /// The declared value length, `None` when undefined. A delimiter has no value, whatever
    /// its length field says (the standard says 0; `header.len` keeps what the input holds):
    /// `Some(0)`.
    pub fn value_len(&self) -> Option<u64> {
        if matches!(
            self.kind,
            ElementKind::ItemDelimiter | ElementKind::SequenceDelimiter
        ) {
            return Some(0);
        }
        let Length(len) = self.header.len;
        (len != UNDEFINED).then_some(u64::from(len))
    }

    /// Offset just past the value, when its length is defined.
    pub fn value_end(&self) -> Option<u64> {
        self.value_offset().checked_add(self.value_len()?)
    }
}

/// A value [`Walk::plain_values`] offers: what an [`Element`] of kind [`ElementKind::Value`]
/// in explicit VR would hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlainValue {
    pub(crate) offset: u64,
    pub(crate) tag: Tag,
    pub(crate) vr: VR,
    pub(crate) len: u32,
}

/// What [`Walk::plain_values`] took: how many values, and the offset and tag of the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlainRun {
    pub(crate) count: u64,
    pub(crate) last: (u64, Tag),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    Sequence,
    Item,
    Encapsulated,
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    kind: FrameKind,
    /// Where the frame ends, when its length is defined.
    end: Option<u64>,
    /// Encoding of the headers inside (UN sequences hold implicit VR little endian).
    encoding: Encoding,
}

/// What one step of the walk gives: the next header, an error that stops the walk, or `None`
/// at the end. The iterator's own item type, so that no step converts (copies) it.
type Step = Option<Result<Element, Error>>;

/// Iterator over the element headers of a data set; see [`walk`](crate::walk()).
///
/// Yields `Ok(Element)` for each header, then stops: after the last element, or after the first
/// `Err` (a structural defect the walk cannot pass, with its offset).
pub struct Walk<'s> {
    source: AnySource<'s>,
    encoding: Encoding,
    limits: Limits,
    pos: u64,
    /// The input's end when the source knew it from the start (not for streams).
    known_end: Option<u64>,
    /// The tightest end known from the start or from open frames: the innermost
    /// defined-length frame's end, or the input's known end (`u64::MAX` for a stream).
    limit: u64,
    stack: Vec<Frame>,
    depth: u32,
    /// The last element with a defined length: if a stream ends before its value does, the
    /// error names it.
    last_value: Option<(u64, Tag, u32)>,
    done: bool,
    /// The same input as `source`, for threads to read at once: a slice, or a file read with
    /// positional reads (`None` for other readers and for inflated data sets).
    shared: Option<SharedInput<'s>>,
}

impl std::fmt::Debug for Walk<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Walk")
            .field("encoding", &self.encoding)
            .field("pos", &self.pos)
            .field("depth", &self.depth)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<'s> Walk<'s> {
    /// A walk over `source` from offset `start`, in `encoding`.
    pub(crate) fn new(
        source: AnySource<'s>,
        start: u64,
        encoding: Encoding,
        limits: Limits,
    ) -> Self {
        let known_end = source.end();
        Walk {
            known_end,
            limit: known_end.unwrap_or(u64::MAX),
            source,
            encoding,
            limits,
            pos: start,
            stack: Vec::new(),
            depth: 0,
            last_value: None,
            done: false,
            shared: None,
        }
    }

    /// The walk, with `shared` as a handle on its input that threads may read at once (the
    /// same bytes at the same offsets as its source).
    pub(crate) fn with_shared(mut self, shared: SharedInput<'s>) -> Self {
        self.shared = Some(shared);
        self
    }

    /// The encoding of the top-level data set.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Where the walk stands: after the last element it yielded (or the offset of its error).
    pub fn offset(&self) -> u64 {
        self.pos
    }

    /// The input's end offset, when known.
    pub fn end(&self) -> Option<u64> {
        self.source.end()
    }

    /// Number of sequences open at [`Walk::offset`].
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// For a deflated data set: compressed bytes consumed so far.
    pub(crate) fn compressed_len(&self) -> Option<u64> {
        self.source.compressed_len()
    }

    /// Walks the values of an explicit VR little endian data set (the top level, or the item
    /// the walk is in) in one tight loop over the bytes the source already holds, handing each
    /// to `accept` before taking it; stops, without taking it, at the first element `accept`
    /// declines or that is anything else (a sequence, an item or delimiter, a UN or undefined
    /// length, a header not wholly held, a value past the end of the input or of a
    /// defined-length item), which the iterator then yields as usual. Elements taken here are
    /// exactly those the iterator would have yielded as [`ElementKind::Value`] at
    /// [`Walk::depth`], in the same order; validation uses this for its hot path, where most
    /// elements need no more than a look at their tag. Not for streams, whose end is learnt
    /// late.
    #[inline]
    pub(crate) fn plain_values(
        &mut self,
        mut accept: impl FnMut(&PlainValue) -> bool,
    ) -> Option<PlainRun> {
        // The encoding of the headers at hand: the data set's, or an item's (not a sequence's
        // or encapsulated pixel data's, where items come next).
        let encoding = match self.stack.last() {
            None => self.encoding,
            Some(frame) if frame.kind == FrameKind::Item => frame.encoding,
            Some(_) => return None,
        };
        if self.done || self.known_end.is_none() || encoding != Encoding::ExplicitVrLittleEndian {
            return None;
        }
        let base = self.pos;
        let window = self.source.buffered(base);
        // Bytes from `base` to the end of the data set or of the innermost defined-length
        // frame: values may end past the window, not past that. (Once a value ends right
        // there, the next header cannot fit: the iterator closes the frame.)
        let room = self.limit.saturating_sub(base);
        let mut count = 0u64;
        let mut last = (base, Tag(0, 0));
        let mut at = 0usize;
        // Twelve bytes hold any header (tag, VR and short length, then a long length), read
        // as they stand and chosen from without a branch on the VR. A header closer than that
        // to the window's end is left to the iterator.
        while let Some(header) = window.get(at..).and_then(<[u8]>::first_chunk::<12>) {
            // Two loads (the slice patterns cannot fail on 12 bytes).
            let (head, long_len) = match (header.first_chunk::<8>(), header.last_chunk::<4>()) {
                (Some(head), Some(long_len)) => {
                    (u64::from_le_bytes(*head), u32::from_le_bytes(*long_len))
                }
                _ => break,
            };
            let group = head as u16;
            let [v0, v1] = ((head >> 32) as u16).to_le_bytes();
            let Some(vr) = header::vr_from_bytes([v0, v1]) else {
                break;
            };
            let long = header::has_long_length(vr);
            let len = if long {
                long_len
            } else {
                u32::from((head >> 48) as u16)
            };
            let header_len = if long { 12u8 } else { 8u8 };
            // `at` indexes a slice (at most isize::MAX) and the rest is at most 2^32 + 12:
            // these sums cannot overflow a u64.
            let end = (at as u64)
                .wrapping_add(u64::from(header_len))
                .wrapping_add(u64::from(len));
            // Non-short-circuit `|`: one well-predicted branch for all that ends the run.
            if (group == 0xFFFE)
                | (len == UNDEFINED)
                | (vr == VR::SQ)
                | (vr == VR::UN)
                | (end > room)
            {
                break;
            }
            let Ok(next) = usize::try_from(end) else {
                break;
            };
            let value = PlainValue {
                offset: base.wrapping_add(at as u64),
                tag: Tag(group, (head >> 16) as u16),
                vr,
                len,
            };
            if !accept(&value) {
                break;
            }
            count = count.wrapping_add(1); // at most one per 8 bytes of a slice
            last = (value.offset, value.tag);
            at = next;
        }
        self.pos = base.wrapping_add(at as u64); // `at` is at most `room`
        (count > 0).then_some(PlainRun { count, last })
    }

    /// Up to `len` bytes at `offset`, at or past [`Walk::offset`] minus the current header
    /// for a stream (which only moves forward); anywhere for a source with
    /// [`Walk::random_access`]. For validation's look into values.
    pub(crate) fn peek(&mut self, offset: u64, len: usize) -> Result<&[u8], Error> {
        self.source.peek(offset, len)
    }

    /// A handle on the input that threads may read at once, when there is one.
    pub(crate) fn shared(&self) -> Option<SharedInput<'s>> {
        self.shared
    }

    /// The whole input, read at any offset without moving the walk (`None` for a stream):
    /// for validation's confirmations of payloads, which follow pointers anywhere.
    pub(crate) fn random_access(&mut self) -> Option<&mut dyn RandomAccess> {
        self.source.random_access()
    }

    #[inline(always)]
    fn step(&mut self) -> Step {
        // Close frames whose defined length is used up.
        while let Some(frame) = self.stack.last().copied() {
            match frame.end {
                Some(end) if end == self.pos => self.pop(),
                Some(end) if end < self.pos => {
                    // Only a defined-length frame whose contents overran it gets here.
                    return Some(Err(Error::Truncated {
                        offset: end,
                        structure: Structure::ElementValue,
                        needed: self.pos.saturating_sub(end),
                        available: 0,
                    }));
                }
                _ => break,
            }
        }
        let frame = self.stack.last().copied();
        let encoding = frame.map_or(self.encoding, |f| f.encoding);
        let at = self.pos;
        let bytes = match self.source.peek(at, 12) {
            Ok(bytes) => bytes,
            Err(err) => return Some(Err(err)),
        };
        if bytes.is_empty() {
            return self.at_end();
        }
        let available = bytes.len() as u64;
        let raw = match header::decode(bytes, 0, encoding) {
            Ok(raw) => raw,
            Err(HeaderError::Short { needed }) => {
                return Some(Err(Error::Truncated {
                    offset: at,
                    structure: Structure::ElementHeader,
                    needed: u64::from(needed),
                    available,
                }))
            }
            Err(HeaderError::InvalidVr { tag, bytes }) => {
                return Some(Err(Error::InvalidVr {
                    offset: at,
                    tag,
                    vr: VrBytes(bytes),
                }))
            }
        };
        let parent = frame.map(|f| f.kind);
        match (parent, raw.tag) {
            (Some(FrameKind::Sequence), ITEM) => self.open(
                at,
                raw,
                VR::UN,
                ElementKind::Item,
                FrameKind::Item,
                encoding,
            ),
            (Some(FrameKind::Encapsulated), ITEM) if raw.len != UNDEFINED => {
                self.value(at, raw, VR::UN, ElementKind::Fragment)
            }
            (Some(FrameKind::Sequence | FrameKind::Encapsulated), SEQUENCE_DELIMITER)
            | (Some(FrameKind::Item), ITEM_DELIMITER) => {
                let kind = if raw.tag == ITEM_DELIMITER {
                    ElementKind::ItemDelimiter
                } else {
                    ElementKind::SequenceDelimiter
                };
                let element = self.element(at, raw, VR::UN, kind);
                self.pos = at.saturating_add(8);
                self.pop();
                Some(Ok(element))
            }
            (None | Some(FrameKind::Item), tag) if tag.group() != 0xFFFE => {
                self.data_element(at, raw, encoding)
            }
            (_, tag) => Some(Err(Error::UnexpectedTag { offset: at, tag })),
        }
    }

    /// A data element at top level or in an item.
    #[inline(always)]
    fn data_element(&mut self, at: u64, raw: RawHeader, encoding: Encoding) -> Step {
        let explicit = raw.vr.is_some();
        let vr = raw.vr.unwrap_or_else(|| dictionary::vr_of(raw.tag));
        if raw.len == UNDEFINED {
            return if vr == VR::SQ || vr == VR::UN {
                // PS3.5 6.2.2: a UN value of undefined length is a sequence in implicit VR LE.
                let inner = if vr == VR::UN {
                    Encoding::ImplicitVrLittleEndian
                } else {
                    encoding
                };
                self.open(
                    at,
                    raw,
                    vr,
                    ElementKind::Sequence,
                    FrameKind::Sequence,
                    inner,
                )
            } else {
                self.open(
                    at,
                    raw,
                    vr,
                    ElementKind::Encapsulated,
                    FrameKind::Encapsulated,
                    encoding,
                )
            };
        }
        if vr == VR::SQ {
            return self.open(
                at,
                raw,
                vr,
                ElementKind::Sequence,
                FrameKind::Sequence,
                encoding,
            );
        }
        let private_sequence = vr == VR::UN
            && raw.len >= 8
            && match self.starts_with_item(at, raw) {
                Ok(starts) => starts,
                Err(err) => return Some(Err(err)),
            };
        if private_sequence {
            // A private sequence in implicit VR, or a sequence that a converter turned into UN.
            let vr = if explicit { VR::UN } else { VR::SQ };
            return self.open(
                at,
                raw,
                vr,
                ElementKind::Sequence,
                FrameKind::Sequence,
                Encoding::ImplicitVrLittleEndian,
            );
        }
        self.value(at, raw, vr, ElementKind::Value)
    }

    /// Whether the value of a UN element starts with an item header whose length fits.
    fn starts_with_item(&mut self, at: u64, raw: RawHeader) -> Result<bool, Error> {
        let value = at.saturating_add(u64::from(raw.header_len));
        let bytes = self.source.peek(value, 8)?;
        let Ok(item) = header::decode(bytes, 0, Encoding::ImplicitVrLittleEndian) else {
            return Ok(false);
        };
        Ok(item.tag == ITEM && (item.len == UNDEFINED || item.len <= raw.len.saturating_sub(8)))
    }

    #[inline(always)]
    fn element(&self, at: u64, raw: RawHeader, vr: VR, kind: ElementKind) -> Element {
        Element {
            offset: at,
            header: DataElementHeader::new(raw.tag, vr, Length(raw.len)),
            header_len: raw.header_len,
            depth: self.depth,
            kind,
            explicit_vr: raw.vr.is_some(),
        }
    }

    /// An element whose value is skipped.
    #[inline(always)]
    fn value(&mut self, at: u64, raw: RawHeader, vr: VR, kind: ElementKind) -> Step {
        let element = self.element(at, raw, vr, kind);
        let end = match raw.value_end(at) {
            Some(end) if self.fits(end) => end,
            _ => {
                return Some(Err(Error::LengthPastEnd {
                    offset: at,
                    tag: raw.tag,
                    length: raw.len,
                    end: self.limit_end(),
                }))
            }
        };
        self.pos = end;
        if self.known_end.is_none() {
            // Only a stream learns that it ends inside this value after yielding it.
            self.last_value = Some((at, raw.tag, raw.len));
        }
        Some(Ok(element))
    }

    /// An element that opens a frame: a sequence, an item or encapsulated pixel data.
    #[inline]
    fn open(
        &mut self,
        at: u64,
        raw: RawHeader,
        vr: VR,
        kind: ElementKind,
        frame: FrameKind,
        encoding: Encoding,
    ) -> Step {
        let end = match raw.value_end(at) {
            Some(end) if self.fits(end) => Some(end),
            Some(_) => {
                return Some(Err(Error::LengthPastEnd {
                    offset: at,
                    tag: raw.tag,
                    length: raw.len,
                    end: self.limit_end(),
                }))
            }
            None => None,
        };
        let element = self.element(at, raw, vr, kind);
        if frame != FrameKind::Item {
            if u64::from(self.depth) >= u64::from(self.limits.max_depth) {
                return Some(Err(Error::LimitExceeded {
                    offset: at,
                    limit: LimitKind::Depth,
                    max: u64::from(self.limits.max_depth),
                }));
            }
            self.depth = self.depth.saturating_add(1);
        }
        if let Some(end) = end {
            // `fits` checked it against the current limit.
            self.limit = end;
        }
        self.stack.push(Frame {
            kind: frame,
            end,
            encoding,
        });
        self.pos = at.saturating_add(u64::from(raw.header_len));
        Some(Ok(element))
    }

    fn pop(&mut self) {
        if let Some(frame) = self.stack.pop() {
            if frame.kind != FrameKind::Item {
                self.depth = self.depth.saturating_sub(1);
            }
            if frame.end.is_some() {
                let input_end = self.known_end.unwrap_or(u64::MAX);
                self.limit = self
                    .stack
                    .iter()
                    .rev()
                    .find_map(|f| f.end)
                    .map_or(input_end, |e| e.min(input_end));
            }
        }
    }

    /// Whether a value or frame ending at `end` fits in its enclosing frame and the input.
    #[inline]
    fn fits(&self, end: u64) -> bool {
        end <= self.limit_end()
    }

    /// The tightest known end: the innermost defined-length frame, or the input.
    #[inline]
    fn limit_end(&self) -> u64 {
        if self.known_end.is_some() {
            return self.limit;
        }
        // A stream learns its end when it reaches it.
        self.source
            .end()
            .map_or(self.limit, |end| end.min(self.limit))
    }

    /// The input ended at `self.pos`.
    fn at_end(&mut self) -> Step {
        let end = self.source.end().unwrap_or(self.pos);
        if end < self.pos {
            // A stream ended inside the last value skipped.
            let (offset, tag, length) = self.last_value.unwrap_or((self.pos, Tag(0, 0), 0));
            return Some(Err(Error::LengthPastEnd {
                offset,
                tag,
                length,
                end,
            }));
        }
        if self.stack.is_empty() {
            return None;
        }
        Some(Err(Error::Truncated {
            offset: self.pos,
            structure: Structure::Delimiter,
            needed: 8,
            available: 0,
        }))
    }
}

impl Iterator for Walk<'_> {
    type Item = Result<Element, Error>;

    // Inlined into the caller's loop, the element stays in registers: returned through
    // memory, it was stored field by field and reloaded whole, a store-forwarding stall
    // that cost a third of the walk.
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let step = self.step();
        if !matches!(step, Some(Ok(_))) {
            self.done = true;
        }
        step
    }
}

impl std::iter::FusedIterator for Walk<'_> {}
