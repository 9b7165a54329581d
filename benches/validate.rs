//! Validation speed next to dicom-rs parsing, on the same bytes in one run.
//!
//! Two inputs are generated into a temporary directory from pydicom's `CT_small.dcm`
//! (explicit VR little endian, 128x128 16-bit):
//!
//! - `ct-0.5MB`: the same header rebuilt with 512x512 pseudo-random pixels;
//! - `multiframe-100MB`: the same again with Number of Frames 200 (about 100 MB of pixels).
//!
//! Each input is measured fifteen ways: [`dicom_sanitize::inspect`] on the slice and
//! [`Inspector::inspect_reader`] on the opened file (header and meta group only),
//! [`dicom_sanitize::validate`] on an in-memory slice,
//! [`Validator::validate_reader`] on the opened file (values skipped by seeking),
//! [`Validator::validate_file`] (the same with positional reads, as the command line does),
//! the slice and the file again in deep mode ([`Validator::deep_scan`]: Pixel Data searched
//! too, so every byte is examined), on one thread and with two ([`Validator::search_threads`]), dicom-object's `open_file`, in full and with
//! `read_until(PixelData)`, and the latter from memory; and the physical floors of a deep
//! scan: `read` of every byte of the file into one reused 1 MiB buffer (as allocated, and
//! placed so that addresses agree with file offsets modulo a cache line, as the library's
//! chunk reads place them: the kernel copies those faster), and one SIMD pass over every byte
//! in memory (`memchr::memmem` for a needle that is not there).
//!
//! Run with `cargo bench --bench validate`, then summarise with `python3 benches/ratios.py`.

use std::fs::File;
use std::hint::black_box;
use std::io::Read;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dicom_dictionary_std::tags;
use dicom_object::OpenFileOptions;
use dicom_sanitize::{inspect, validate, Inspector, Report, Validator};

mod common;
use common::{generate, Input, BYTES_PER_PIXEL, SIDE};

/// A report's verdict and findings, for the bench log.
fn summary(report: &Report) -> String {
    let mut text = format!(
        "status {}, {} elements, {} findings",
        report.status().as_str(),
        report.elements,
        report.findings.len(),
    );
    for finding in &report.findings {
        text.push_str(&format!("\n    {finding}"));
    }
    text
}

/// Checks that every contender accepts `input`, so that no one is timed failing early.
fn check(input: &Input, path: &Path) {
    let slice = validate(&input.bytes);
    let reader = Validator::default()
        .validate_reader(&mut File::open(path).expect("open input"))
        .expect("validate_reader I/O");
    let deep = Validator::default().deep_scan(true);
    let deep_slice = deep.validate(&input.bytes);
    let deep_file = deep
        .validate_file(&File::open(path).expect("open input"))
        .expect("validate_file I/O");
    let threads = deep.search_threads(2);
    assert!(
        threads.validate(&input.bytes) == deep_slice
            && threads
                .validate_file(&File::open(path).expect("open input"))
                .expect("validate_file I/O")
                == deep_file,
        "{}: two search threads disagree with one",
        input.name
    );
    assert!(
        deep_slice == deep_file,
        "{}: deep slice and file differ",
        input.name
    );
    assert!(
        memchr::memmem::find(&input.bytes, FLOOR_NEEDLE).is_none(),
        "the floor's needle is in {}",
        input.name
    );
    for (how, report) in [
        ("slice", &slice),
        ("reader", &reader),
        ("deep slice", &deep_slice),
    ] {
        eprintln!("{} ({how}): {}", input.name, summary(report));
        assert!(
            !report.is_threat(),
            "{} ({how}) is a threat: {:#?}",
            input.name,
            report.findings
        );
        assert_eq!(report.file_len, input.bytes.len() as u64);
    }

    let object = OpenFileOptions::new()
        .open_file(path)
        .expect("dicom-object opens the input");
    let rows = object
        .element(tags::ROWS)
        .expect("Rows")
        .to_int::<u16>()
        .expect("Rows value");
    assert_eq!(rows, SIDE);
    let pixels = object.element(tags::PIXEL_DATA).expect("Pixel Data");
    let expected = usize::from(SIDE) * usize::from(SIDE) * BYTES_PER_PIXEL * input.frames as usize;
    assert_eq!(
        pixels.value().to_bytes().expect("native Pixel Data").len(),
        expected
    );
    if input.frames > 1 {
        let frames = object
            .element(tags::NUMBER_OF_FRAMES)
            .expect("Number of Frames")
            .to_int::<u32>()
            .expect("Number of Frames value");
        assert_eq!(frames, input.frames);
    }

    let header = OpenFileOptions::new()
        .read_until(tags::PIXEL_DATA)
        .open_file(path)
        .expect("dicom-object opens the header");
    assert!(
        header
            .element_opt(tags::PIXEL_DATA)
            .expect("lookup")
            .is_none(),
        "read_until kept Pixel Data"
    );
    assert!(header.element_opt(tags::ROWS).expect("lookup").is_some());
}

/// What the in-memory floor searches for: not in any input, so every byte is passed over.
const FLOOR_NEEDLE: &[u8] = b"\0no such bytes in a bench input\0";

/// Reads every byte of the file at `path` into one reused buffer: the floor of a deep scan.
fn read_every_byte(path: &Path, buffer: &mut [u8]) -> u64 {
    let mut file = File::open(path).expect("open input");
    let mut total = 0u64;
    loop {
        match file.read(buffer).expect("read input") {
            0 => return total,
            n => total += n as u64,
        }
    }
}

/// The kernel copies page cache bytes faster to addresses that agree with their file offsets
/// modulo a cache line (as the library's chunked reads place them).
const CACHE_LINE: usize = 64;

/// [`read_every_byte`] into the part of `buffer` that starts at a cache line: reads from
/// offset 0 land at addresses that agree with their offsets, as the search's reads do.
fn read_every_byte_aligned(path: &Path, buffer: &mut [u8]) -> u64 {
    let skew = (CACHE_LINE - buffer.as_ptr() as usize % CACHE_LINE) % CACHE_LINE;
    let len = buffer.len() - CACHE_LINE;
    read_every_byte(path, &mut buffer[skew..skew + len])
}

/// One group per input, fifteen contenders per group; the inputs live as long as the groups.
fn bench_validate(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    for (input, path) in generate(dir.path()) {
        check(&input, &path);
        let path = path.as_path();

        let mut group = c.benchmark_group(format!("validate/{}", input.name));
        group.throughput(Throughput::Bytes(input.bytes.len() as u64));
        if input.bytes.len() > 16 << 20 {
            group.sample_size(10);
        }
        group.bench_function("dicom-sanitize inspect", |b| {
            b.iter(|| inspect(black_box(&input.bytes)).expect("inspect"));
        });
        group.bench_function("dicom-sanitize inspect_reader", |b| {
            b.iter(|| {
                let mut file = File::open(black_box(path)).expect("open input");
                let mut buf = Vec::new();
                Inspector::default()
                    .inspect_reader(&mut file, &mut buf)
                    .map(|i| i.data_set_offset())
                    .expect("inspect_reader")
            });
        });
        group.bench_function("dicom-sanitize slice", |b| {
            b.iter(|| validate(black_box(&input.bytes)));
        });
        group.bench_function("dicom-sanitize reader", |b| {
            b.iter(|| {
                let mut file = File::open(black_box(path)).expect("open input");
                Validator::default()
                    .validate_reader(&mut file)
                    .expect("validate_reader I/O")
            });
        });
        group.bench_function("dicom-sanitize file", |b| {
            b.iter(|| {
                let file = File::open(black_box(path)).expect("open input");
                Validator::default()
                    .validate_file(&file)
                    .expect("validate_file I/O")
            });
        });
        let deep = Validator::default().deep_scan(true);
        group.bench_function("dicom-sanitize slice --deep", |b| {
            b.iter(|| deep.validate(black_box(&input.bytes)));
        });
        group.bench_function("dicom-sanitize file --deep", |b| {
            b.iter(|| {
                let file = File::open(black_box(path)).expect("open input");
                deep.validate_file(&file).expect("validate_file I/O")
            });
        });
        let threads = deep.search_threads(2);
        group.bench_function("dicom-sanitize slice --deep, 2 threads", |b| {
            b.iter(|| threads.validate(black_box(&input.bytes)));
        });
        group.bench_function("dicom-sanitize file --deep, 2 threads", |b| {
            b.iter(|| {
                let file = File::open(black_box(path)).expect("open input");
                threads.validate_file(&file).expect("validate_file I/O")
            });
        });
        let mut buffer = vec![0u8; 1 << 20];
        group.bench_function("read every byte into one buffer (floor)", |b| {
            b.iter(|| read_every_byte(black_box(path), &mut buffer));
        });
        let mut spare = vec![0u8; (1 << 20) + CACHE_LINE];
        group.bench_function("read every byte into one aligned buffer (floor)", |b| {
            b.iter(|| read_every_byte_aligned(black_box(path), &mut spare));
        });
        group.bench_function("memmem over every byte in memory (floor)", |b| {
            b.iter(|| memchr::memmem::find(black_box(&input.bytes), FLOOR_NEEDLE));
        });
        group.bench_function("dicom-object open_file", |b| {
            b.iter(|| {
                OpenFileOptions::new()
                    .open_file(black_box(path))
                    .expect("open_file")
            });
        });
        group.bench_function("dicom-object read_until(PixelData)", |b| {
            b.iter(|| {
                OpenFileOptions::new()
                    .read_until(tags::PIXEL_DATA)
                    .open_file(black_box(path))
                    .expect("read_until open_file")
            });
        });
        // The same header-only parse from memory, beside `dicom-sanitize slice`.
        group.bench_function("dicom-object read_until(PixelData) from memory", |b| {
            b.iter(|| {
                OpenFileOptions::new()
                    .read_until(tags::PIXEL_DATA)
                    .from_reader(black_box(input.bytes.as_slice()))
                    .expect("read_until from_reader")
            });
        });
        group.finish();
    }
}

criterion_group!(benches, bench_validate);
criterion_main!(benches);
