//! Opening a file with dicom-object through this crate, beside dicom-object's own
//! `open_file`, on the same files in one run.
//!
//! The inputs are those of `benches/validate.rs` (see `benches/common`): `ct-0.5MB` and
//! `multiframe-100MB`, generated into a temporary directory from pydicom's `CT_small.dcm`.
//! Each is opened four ways: dicom-object's `open_file` in full and with
//! `read_until(PixelData)`, and [`dicom_sanitize::open_file`] /
//! [`OpenFileOptions::read_until`](dicom_sanitize::OpenFileOptions::read_until) with the
//! default policy, which add one validation walk (headers and non-pixel values) over the same
//! open file. Target: at most 1.1x dicom-object's time.
//!
//! Run with `cargo bench --features dicom-object --bench open`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dicom_dictionary_std::tags;
use dicom_sanitize::{open_file, OpenFileOptions, Policy};

mod common;
use common::generate;

fn bench_open(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let policy = Policy::default();
    for (input, path) in generate(dir.path()) {
        let path = path.as_path();
        // Both ways open the input whole, so no one is timed failing early (tests/open.rs
        // compares the objects).
        let ours = open_file(path, &policy).expect("dicom-sanitize opens the input");
        let theirs = dicom_object::open_file(path).expect("dicom-object opens the input");
        let pixels = |object: &dicom_object::DefaultDicomObject| {
            let value = object
                .element(tags::PIXEL_DATA)
                .expect("Pixel Data")
                .value();
            value.to_bytes().expect("native Pixel Data").len()
        };
        assert_eq!(pixels(ours.object()), pixels(&theirs), "{}", input.name);
        assert_eq!(ours.object().iter().count(), theirs.iter().count());

        let mut group = c.benchmark_group(format!("open/{}", input.name));
        group.throughput(Throughput::Bytes(input.bytes.len() as u64));
        if input.bytes.len() > 16 << 20 {
            group.sample_size(10);
        }
        group.bench_function("dicom-object open_file", |b| {
            b.iter(|| dicom_object::open_file(black_box(path)).expect("open_file"));
        });
        group.bench_function("dicom-sanitize open_file", |b| {
            b.iter(|| open_file(black_box(path), &policy).expect("open_file"));
        });
        group.bench_function("dicom-object read_until(PixelData)", |b| {
            b.iter(|| {
                dicom_object::OpenFileOptions::new()
                    .read_until(tags::PIXEL_DATA)
                    .open_file(black_box(path))
                    .expect("read_until")
            });
        });
        let header = OpenFileOptions::new().read_until(tags::PIXEL_DATA);
        group.bench_function("dicom-sanitize read_until(PixelData)", |b| {
            b.iter(|| {
                header
                    .open_file(black_box(path), &policy)
                    .expect("read_until")
            });
        });
        group.finish();
    }
}

criterion_group!(benches, bench_open);
criterion_main!(benches);
