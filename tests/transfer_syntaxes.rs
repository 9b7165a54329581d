//! The crate's transfer-syntax table ([`TransferSyntax::all`]) against dicom-rs's registry
//! (`dicom-transfer-syntax-registry`): every UID we know is there with the same byte order,
//! VR explicitness and deflation, and every registry entry we lack is listed here with why
//! (a new registry entry fails this test until someone decides).

use std::collections::BTreeMap;

use dicom_parser::{StatefulDecode, StatefulDecoder};
use dicom_sanitize::{Encoding, TransferSyntax};
use dicom_transfer_syntax_registry::{TransferSyntaxIndex, TransferSyntaxRegistry};

/// Registry entries our table does not have, with the reason. None today.
const NOT_OURS: &[(&str, &str)] = &[];

/// The retired JPEG processes dicom-rs does not register (it has 4.50, 4.51, 4.57 and 4.70).
const RETIRED_JPEG: &str = "a retired JPEG process: dicom-rs registers none of them, we still \
    recognise archived files";

/// UIDs of our table the registry does not have, with the reason.
const NOT_IN_REGISTRY: &[(&str, &str)] = &[
    ("1.2.840.10008.1.2.4.52", RETIRED_JPEG),
    ("1.2.840.10008.1.2.4.53", RETIRED_JPEG),
    ("1.2.840.10008.1.2.4.54", RETIRED_JPEG),
    ("1.2.840.10008.1.2.4.55", RETIRED_JPEG),
    ("1.2.840.10008.1.2.4.56", RETIRED_JPEG),
    ("1.2.840.10008.1.2.4.58", RETIRED_JPEG),
    ("1.2.840.10008.1.2.4.59", RETIRED_JPEG),
    ("1.2.840.10008.1.2.4.60", RETIRED_JPEG),
    ("1.2.840.10008.1.2.4.61", RETIRED_JPEG),
    ("1.2.840.10008.1.2.4.62", RETIRED_JPEG),
    ("1.2.840.10008.1.2.4.63", RETIRED_JPEG),
    ("1.2.840.10008.1.2.4.64", RETIRED_JPEG),
    ("1.2.840.10008.1.2.4.65", RETIRED_JPEG),
    ("1.2.840.10008.1.2.4.66", RETIRED_JPEG),
    (
        "1.2.840.10008.1.2.6.1",
        "RFC 2557 MIME encapsulation (PS3.6: retired), a web encoding dicom-rs does not \
         register; a file naming it is walked as Explicit VR Little Endian",
    ),
    (
        "1.2.840.10008.1.2.6.2",
        "XML Encoding (PS3.6: retired), likewise",
    ),
];

/// Transfer syntaxes the registry registers as *stubs* (`create_ts_stub`: encapsulated pixel
/// data it can neither read nor write) although their Pixel Data is not encapsulated: JPIP
/// Referenced sends it by URL (Pixel Data Provider URL), SMPTE ST 2110 outside the file.
/// Only `encapsulated` differs; byte order, VR and deflation are still compared.
const REGISTRY_STUBS: &[&str] = &[
    "1.2.840.10008.1.2.4.94",
    "1.2.840.10008.1.2.4.204",
    "1.2.840.10008.1.2.7.1",
    "1.2.840.10008.1.2.7.2",
    "1.2.840.10008.1.2.7.3",
];

/// How the registry's transfer syntax encodes element headers: (explicit VR, big endian),
/// seen by decoding (0010,0010) PN, length 4, written in Explicit VR Little Endian.
fn header_encoding(ts: &dicom_transfer_syntax_registry::TransferSyntax) -> (bool, bool) {
    let bytes: &[u8] = b"\x10\x00\x10\x00PN\x04\x00";
    let mut decoder = StatefulDecoder::new_with_ts(bytes, ts, 0).unwrap();
    let header = decoder.decode_header().unwrap();
    // Implicit VR reads "PN\x04\x00" as a 32-bit length; big endian swaps the bytes of the
    // tag and of the 16-bit length.
    let explicit = matches!(header.len.get(), Some(0x0004 | 0x0400));
    let big_endian = header.tag.group() == 0x1000;
    (explicit, big_endian)
}

/// Whether the registry's transfer syntax has a data set codec: the data set is transformed
/// as a whole, which the registry does for deflate only.
fn has_data_set_codec(ts: &dicom_transfer_syntax_registry::TransferSyntax) -> bool {
    !ts.is_codec_free() && !ts.is_encapsulated_pixel_data()
}

#[test]
fn our_table_agrees_with_the_registry() {
    let theirs: BTreeMap<&str, _> = TransferSyntaxRegistry
        .iter()
        .map(|ts| (ts.uid(), ts))
        .collect();
    assert!(theirs.len() >= 40, "registry has {} entries", theirs.len());
    let mut differences = Vec::new();
    for ours in TransferSyntax::all() {
        let Some(their) = TransferSyntaxRegistry.get(ours.uid) else {
            if !NOT_IN_REGISTRY.iter().any(|(uid, _)| *uid == ours.uid) {
                differences.push(format!(
                    "{} ({}) is not in the registry",
                    ours.uid, ours.name
                ));
            }
            continue;
        };
        let expected = (
            ours.encoding.is_explicit_vr(),
            ours.encoding.is_big_endian(),
        );
        if header_encoding(their) != expected {
            differences.push(format!(
                "{} ({}): ours {:?}, registry (explicit VR, big endian) = {:?}",
                ours.uid,
                ours.name,
                ours.encoding,
                header_encoding(their)
            ));
        }
        if has_data_set_codec(their) != ours.deflated {
            differences.push(format!(
                "{} ({}): deflated {} ours, {} in the registry",
                ours.uid,
                ours.name,
                ours.deflated,
                has_data_set_codec(their)
            ));
        }
        if their.is_encapsulated_pixel_data() != ours.encapsulated
            && !REGISTRY_STUBS.contains(&ours.uid)
        {
            differences.push(format!(
                "{} ({}): encapsulated {} ours, {} in the registry",
                ours.uid,
                ours.name,
                ours.encapsulated,
                their.is_encapsulated_pixel_data()
            ));
        }
    }
    for (uid, their) in &theirs {
        let known = TransferSyntax::lookup(uid).is_some();
        let listed = NOT_OURS.iter().any(|(listed, _)| listed == uid);
        if !known && !listed {
            differences.push(format!(
                "{uid} ({}) is in the registry, not in our table: add it to src/read/encoding.rs \
                 or to NOT_OURS with the reason",
                their.name()
            ));
        }
        if known && listed {
            differences.push(format!("{uid} is in our table: remove it from NOT_OURS"));
        }
    }
    for uid in REGISTRY_STUBS {
        let stub = theirs
            .get(uid)
            .is_some_and(|ts| ts.is_encapsulated_pixel_data());
        let ours = TransferSyntax::lookup(uid).is_some_and(|ts| !ts.encapsulated);
        if !(stub && ours) {
            differences.push(format!(
                "{uid} no longer differs: remove it from REGISTRY_STUBS"
            ));
        }
    }
    for (uid, reason) in NOT_IN_REGISTRY {
        let retired = TransferSyntax::lookup(uid).is_some_and(|ts| ts.retired);
        if *reason == RETIRED_JPEG && !retired {
            differences.push(format!(
                "{uid} is listed as a retired JPEG process, ours is not retired"
            ));
        }
        if theirs.contains_key(uid) {
            differences.push(format!(
                "{uid} is in the registry: remove it from NOT_IN_REGISTRY"
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// The probe above tells the three header encodings apart.
#[test]
fn the_header_probe_sees_each_encoding() {
    let probe = |uid| header_encoding(TransferSyntaxRegistry.get(uid).unwrap());
    assert_eq!(probe("1.2.840.10008.1.2"), (false, false));
    assert_eq!(probe("1.2.840.10008.1.2.1"), (true, false));
    assert_eq!(probe("1.2.840.10008.1.2.2"), (true, true));
    assert_eq!(
        TransferSyntax::lookup("1.2.840.10008.1.2.2")
            .unwrap()
            .encoding,
        Encoding::ExplicitVrBigEndian
    );
}
