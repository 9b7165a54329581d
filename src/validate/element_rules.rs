//! The rules on data element headers: tag order, private creators, group lengths, undefined
//! length, delimiter length and odd length; and, beside them, the fast path's trigger
//! ([`is_quiet`]): which plain values none of these rules, nor a look into the value, concerns.
//!
//! A rule on headers is added in two places of this file: in [`ElementRules::check`], and as
//! a clause of [`is_quiet`] when plain values can break it.

use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;

use crate::read::walk::{Element, ElementKind, PlainRun, Walk};
use crate::validate::findings::{Finding, FindingCode, Findings, Severity};
use crate::validate::value_scan::is_binary;

/// The element rules' state: what they track for each data set or item the walk is in.
#[derive(Default)]
pub(super) struct ElementRules {
    /// One scope per nesting level: the data set's, then one per enclosing item.
    scopes: Vec<Scope>,
}

/// What the element rules track for one data set or item.
#[derive(Default)]
struct Scope {
    /// The last data element's tag.
    last: Option<Tag>,
    /// Private creators seen: (group, block).
    creators: Vec<(u16, u8)>,
}

/// What a tag is in its scope's private blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Private {
    /// Not a private data element, nor a creator.
    No,
    /// A private creator (gggg,0010-00FF), reserving a block: (group, block).
    Creator((u16, u8)),
    /// A private data element (gggg,xx00-xxFF, xx at least 0x10), and whether its block's
    /// creator came before it.
    Element { has_creator: bool },
}

impl ElementRules {
    /// Checks the header of `e`, the next element of the walk, keeping the scopes up to date.
    pub(super) fn check(&mut self, e: &Element, findings: &mut Findings) {
        let depth = usize::try_from(e.depth).unwrap_or(usize::MAX);
        match e.kind {
            ElementKind::Item => {
                // A new item: a fresh scope at `depth` (one per enclosing sequence).
                self.scopes.truncate(depth);
                self.scopes.resize_with(depth, Scope::default);
                self.scopes.push(Scope::default());
            }
            ElementKind::Value | ElementKind::Sequence | ElementKind::Encapsulated => {
                // The element's data set or item is the scope at `depth`: usually already
                // the innermost one.
                let scopes = depth.saturating_add(1);
                if self.scopes.len() != scopes {
                    self.scopes.truncate(scopes);
                    self.scopes.resize_with(scopes, Scope::default);
                }
                self.data_element(e, findings);
            }
            _ => {}
        }
        if matches!(
            e.kind,
            ElementKind::ItemDelimiter | ElementKind::SequenceDelimiter
        ) && e.header.len.0 != 0
        {
            findings.push(Finding::on_element(
                FindingCode::StructureDelimiterLength,
                e,
                format!(
                    "{} has length {}; a delimiter's is 0",
                    e.tag(),
                    e.header.len.0
                ),
            ));
        }
        if e.value_len().is_some_and(|len| len % 2 == 1) {
            findings.push(Finding::on_element(
                FindingCode::StructureOddLength,
                e,
                format!("odd value length {}", e.header.len.0),
            ));
        }
    }

    /// The rules that concern a data element's place in its data set or item (the innermost
    /// scope).
    fn data_element(&mut self, e: &Element, findings: &mut Findings) {
        let tag = e.tag();
        let mut out_of_order = false;
        let mut no_creator = false;
        if let Some(scope) = self.scopes.last_mut() {
            out_of_order = scope.last.is_some_and(|last| last >= tag);
            scope.last = Some(tag);
            match private(&scope.creators, tag) {
                Private::Creator(block) => scope.creators.push(block),
                Private::Element { has_creator } => no_creator = !has_creator,
                Private::No => {}
            }
        }
        if out_of_order {
            findings.push(Finding::on_element(
                FindingCode::StructureTagOrder,
                e,
                format!("{tag} is out of ascending tag order"),
            ));
        }
        if no_creator {
            findings.push(Finding::on_element(
                FindingCode::StructurePrivateWithoutCreator,
                e,
                format!(
                    "private {tag} has no private creator ({:04X},00{:02X})",
                    tag.group(),
                    tag.element() >> 8
                ),
            ));
        }
        if tag.element() == 0 && tag.group() > 0x0002 {
            let well_formed = (!e.explicit_vr || e.header.vr == VR::UL) && e.value_len() == Some(4);
            let finding = if well_formed {
                Finding::on_element(
                    FindingCode::StructureGroupLength,
                    e,
                    format!("{tag} is a retired group length"),
                )
            } else {
                // Not even a group length's VR and length: medium, where retired ones are low.
                Finding::on_element(
                    FindingCode::StructureGroupLength,
                    e,
                    format!(
                        "group length {tag} is {} with length {}, not UL with length 4",
                        e.header.vr, e.header.len.0
                    ),
                )
                .with_severity(Severity::Medium)
            };
            findings.push(finding);
        }
        if e.kind == ElementKind::Encapsulated {
            let allowed =
                tag == tags::PIXEL_DATA && e.explicit_vr && matches!(e.header.vr, VR::OB | VR::OW);
            if !allowed {
                findings.push(Finding::on_element(
                    FindingCode::StructureUndefinedLength,
                    e,
                    format!("{tag} with VR {} cannot have undefined length", e.header.vr),
                ));
            }
        }
    }

    /// The fast path: takes the plain values the walk offers (see [`Walk::plain_values`]) at
    /// `depth` while each is quiet ([`is_quiet`]) and has a private creator where it needs
    /// one, doing the bookkeeping [`ElementRules::check`] would (the caller counts). Takes
    /// nothing unless the innermost scope is the one at `depth`. Anything else is left to
    /// `check` and the value scan; the caller makes sure that nothing waits to be placed in a
    /// value.
    #[inline(always)]
    pub(super) fn take_plain_values(
        &mut self,
        walk: &mut Walk<'_>,
        depth: u32,
    ) -> Option<PlainRun> {
        if u32::try_from(self.scopes.len()).ok() != depth.checked_add(1) {
            return None;
        }
        self.scopes.last_mut()?.take_plain_values(walk)
    }
}

impl Scope {
    /// See [`ElementRules::take_plain_values`]. The last tag is kept in a local during the
    /// run, where the compiler can hold it in a register.
    #[inline(always)]
    fn take_plain_values(&mut self, walk: &mut Walk<'_>) -> Option<PlainRun> {
        // Tags compared as numbers; no last tag reads as 0, the key of (0000,0000), which as
        // a group length is never quiet.
        let mut last = self.last.map_or(0, order_key);
        let creators = &mut self.creators;
        let run = walk.plain_values(|value| {
            let key = order_key(value.tag);
            if !is_quiet(key, value.vr, value.len, last) {
                return false;
            }
            if key & 0x1_0000 != 0 {
                // An odd group: private. `structure.private-without-creator` needs the
                // scope's creators, which `is_quiet` does not see.
                match private(creators, value.tag) {
                    Private::Element { has_creator: false } => return false,
                    Private::Creator(block) => creators.push(block),
                    Private::Element { has_creator: true } | Private::No => {}
                }
            }
            last = key;
            true
        });
        if let Some(run) = run {
            self.last = Some(run.last.1);
        }
        run
    }
}

/// Whether a plain value (an [`ElementKind::Value`] in explicit VR little endian) whose tag's
/// [`order_key`] is `key`, with VR `vr` and length `len`, coming after a data element whose
/// key is `last` in the same scope, is quiet: it breaks none of the rules of this file except
/// perhaps the private creator rule (which needs the scope's creators: see
/// [`Scope::take_plain_values`]) and needs no look into its bytes. The fast path takes quiet
/// values by their header alone. (Undefined length and delimiter length concern no plain
/// value: its length is defined and it is not a delimiter.)
///
/// Each clause stands for a rule, and may send more values to the general path than its rule
/// concerns (the general path decides), never fewer. Non-short-circuit `|` makes one
/// well-predicted branch of them: this is the hot loop.
#[inline(always)]
fn is_quiet(key: u32, vr: VR, len: u32, last: u32) -> bool {
    let concerned =
        // structure.odd-length.
        (len % 2 == 1)
        // The value scan sniffs binary values of 4 bytes or more (value.*: `ValueScan::look`).
        | (is_binary(vr) & (len >= 4))
        // structure.group-length, for groups above 0002 (and any other group length).
        | (key & 0xFFFF == 0)
        // The value scan scans (FFFC,FFFC) padding (padding.*: `ValueScan::look`).
        | (key == order_key(tags::DATA_SET_TRAILING_PADDING))
        // structure.tag-order.
        | (key <= last);
    !concerned
}

/// What `tag` is among the private blocks of a scope whose creators are `creators` (nothing
/// is recorded).
#[inline(always)]
fn private(creators: &[(u16, u8)], tag: Tag) -> Private {
    if tag.group().is_multiple_of(2) {
        return Private::No;
    }
    let element = tag.element();
    if (0x0010..=0x00FF).contains(&element) {
        Private::Creator((tag.group(), u8::try_from(element).unwrap_or(0)))
    } else if element >= 0x1000 {
        let block = (tag.group(), u8::try_from(element >> 8).unwrap_or(0));
        // Tags ascend, so the creator, if any, is among the last ones seen.
        Private::Element {
            has_creator: creators.iter().rev().any(|c| *c == block),
        }
    } else {
        Private::No
    }
}

/// A tag as one number that orders as tags do (group, then element).
#[inline(always)]
fn order_key(tag: Tag) -> u32 {
    (u32::from(tag.group()) << 16) | u32::from(tag.element())
}
