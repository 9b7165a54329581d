//! The start of a binary value sniffed for a payload signature (a PE only when `e_lfanew`
//! leads to `PE\0\0`), and which confirmed carrier such a sniff is the same payload as.

use dicom_dictionary_std::tags;

use crate::error::Error;
use crate::read::carrier::{Carrier, Confirmation};
use crate::read::cursor::{self, Endian};
use crate::read::signature::{self, Format, Payload};
use crate::read::walk::{Element, Walk};
use crate::validate::findings::{Finding, FindingCode, Severity};

/// Where the `MZ` at the start of a value of `len` bytes whose first bytes are `head` says
/// its PE header is: `e_lfanew`, when it lies inside the value and past the DOS header.
pub(super) fn e_lfanew(head: &[u8], len: u64) -> Option<u64> {
    cursor::u32_at(head, 0x3C, Endian::Little)
        .map(u64::from)
        .filter(|at| at.saturating_add(4) <= len && *at >= 0x40)
}

/// Whether `PE\0\0` stands at input offset `at`, read at random (never, for a stream).
pub(super) fn pe_signature_at(walk: &mut Walk<'_>, at: u64) -> Result<bool, Error> {
    let Some(random) = walk.random_access() else {
        return Ok(false);
    };
    let mut probe = crate::read::probe::Probe::new(random, 4);
    Ok(probe.fetch::<4>(at)? == Some(*b"PE\0\0"))
}

/// The payload the value of `e` (of `len` bytes, starting with `head`) starts with, and its
/// finding; `pe` says whether `e_lfanew` leads to `PE\0\0` inside the value.
pub(super) fn sniff(e: &Element, head: &[u8], len: u64, pe: bool) -> Option<(Payload, Finding)> {
    let payload = signature::value_payload(head, len)?;
    // `CA FE BA BE` and a small count is a universal binary only when dyld's rules find its
    // slices (vendors use the magic too): the search reports it confirmed, never the sniff.
    if payload == Payload::Executable(Format::MachOFat) {
        return None;
    }
    // `MZ` is common in binary data: report it only when `e_lfanew` leads to `PE\0\0`.
    let confirmed = payload == Payload::Executable(Format::Pe);
    if confirmed && !pe {
        return None;
    }
    let compressed = matches!(
        payload,
        Payload::Archive(Format::Gzip | Format::Bzip2 | Format::Xz | Format::Zstd)
    );
    let code = match payload {
        Payload::Executable(_) => FindingCode::ValueExecutable,
        Payload::Archive(_) if compressed => FindingCode::ValueCompressed,
        Payload::Archive(_) => FindingCode::ValueArchive,
        Payload::Script => FindingCode::ValueScript,
        Payload::Pdf | Payload::Markup => FindingCode::ValueDocument,
    };
    let mut finding = Finding::on_element(
        code,
        e,
        format!(
            "the value of {} starts with a {}",
            e.tag(),
            payload.describe()
        ),
    );
    if confirmed {
        // A PE header found at `e_lfanew`: critical, where an unconfirmed executable is high.
        finding = finding.with_severity(Severity::Critical);
    } else if code == FindingCode::ValueDocument && e.tag() == tags::ENCAPSULATED_DOCUMENT {
        // Documents belong in (0042,0011): info, where elsewhere they are medium.
        finding = finding.with_severity(Severity::Info);
    } else if payload == Payload::Markup {
        // Vendors store XML in private values; browsers sniff markup at a file's start, not
        // a value's: info.
        finding = finding.with_severity(Severity::Info);
    } else if compressed && e.tag().group() % 2 == 1 {
        // Vendors compress private data: info, where elsewhere it is low.
        finding = finding.with_severity(Severity::Info);
    }
    Some((payload, finding))
}

/// Whether `confirmation`, found in a value starting at `start`, is the payload the value's
/// start was sniffed as (which is then reported once, as confirmed).
pub(super) fn explains(confirmation: &Confirmation, payload: Payload, start: u64) -> bool {
    let carrier = confirmation.carrier;
    match payload {
        Payload::Executable(_) => carrier.is_executable() && confirmation.offset == start,
        Payload::Archive(Format::Gzip | Format::Bzip2 | Format::Xz | Format::Zstd) => {
            carrier.is_compressed_stream() && confirmation.offset == start
        }
        // A ZIP is found at its end record, not at its first local header.
        Payload::Archive(Format::Zip) => carrier == Carrier::Zip,
        Payload::Archive(_) => {
            !carrier.is_executable()
                && !carrier.is_compressed_stream()
                && carrier != Carrier::Pdf
                && confirmation.offset == start
        }
        Payload::Pdf => carrier == Carrier::Pdf && confirmation.offset == start,
        Payload::Script | Payload::Markup => false,
    }
}
