//! Rewriting speed next to its physical floor and to dicom-rs, on the same bytes in one run.
//!
//! Every input carries a hostile (PE) preamble that must be cleared. Groups:
//!
//! - `in-place/*`: [`Policy::sanitize_file_in_place`] against a bare 128-byte positional write
//!   (open, `pwrite`, close: the floor) and against dicom-object `open_file` + `write_to_file`
//!   (the only way dicom-rs clears a preamble: it re-encodes the whole file);
//! - `copy-out/*`: [`Policy::sanitize_file_to`] against `std::fs::copy` (the floor: the kernel
//!   copies) and dicom-object;
//! - `stream/*`: [`Policy::sanitize_reader`] read to the end through a 64 KiB buffer, against
//!   reading the input itself through the same buffer.
//!
//! Run with `cargo bench --bench sanitize`, then `python3 benches/ratios.py --prefix in-place`
//! (and `copy-out`, `stream`).

use std::fs::OpenOptions;
use std::hint::black_box;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use dicom_object::OpenFileOptions;
use dicom_sanitize::{Action, Policy};

mod common;
use common::{generate, hostile};

/// Puts the hostile preamble back before an in-place iteration.
fn rearm(path: &Path, preamble: &[u8]) {
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open for rearming");
    file.write_all_at(&preamble[..128], 0).expect("rearm");
}

/// Reads `reader` to its end through a 64 KiB buffer; returns the byte count.
fn drain(mut reader: impl Read, buf: &mut [u8]) -> u64 {
    let mut total = 0u64;
    loop {
        match reader.read(buf).expect("read") {
            0 => return total,
            n => total += n as u64,
        }
    }
}

fn bench_sanitize(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let policy = Policy::default();
    for (input, clean_path) in generate(dir.path()) {
        let bytes = hostile(&input.bytes);
        let path = dir.path().join(format!("{}-hostile.dcm", input.name));
        std::fs::write(&path, &bytes).expect("write hostile input");
        let out = dir.path().join(format!("{}-out.dcm", input.name));
        std::fs::remove_file(&clean_path).expect("remove the clean copy");

        // Fairness: every contender clears the preamble and keeps the rest.
        assert_eq!(
            policy.check_file(&path).expect("check").action,
            Action::Zero
        );
        policy.sanitize_file_to(&path, &out).expect("copy-out");
        let written = std::fs::read(&out).expect("read output");
        assert_eq!(&written[..128], &[0; 128]);
        assert_eq!(&written[128..], &bytes[128..]);
        let object = OpenFileOptions::new()
            .open_file(&path)
            .expect("dicom-object opens the input");
        object.write_to_file(&out).expect("dicom-object writes");
        assert!(
            std::fs::read(&out).expect("read dicom-object output")[..128]
                .iter()
                .all(|&b| b == 0)
        );

        let large = bytes.len() > 16 << 20;
        let len = bytes.len() as u64;

        let mut group = c.benchmark_group(format!("in-place/{}", input.name));
        group.throughput(Throughput::Bytes(len));
        if large {
            group.sample_size(10);
        }
        group.bench_function("dicom-sanitize sanitize_file_in_place", |b| {
            b.iter_batched(
                || rearm(&path, &bytes),
                |()| {
                    policy
                        .sanitize_file_in_place(black_box(&path))
                        .expect("in place")
                },
                BatchSize::PerIteration,
            );
        });
        group.bench_function("pwrite 128 bytes (floor)", |b| {
            b.iter_batched(
                || rearm(&path, &bytes),
                |()| {
                    let file = OpenOptions::new()
                        .write(true)
                        .open(black_box(&path))
                        .expect("open");
                    file.write_all_at(&[0; 128], 0).expect("pwrite");
                },
                BatchSize::PerIteration,
            );
        });
        group.bench_function("dicom-object open_file + write_to_file", |b| {
            b.iter_batched(
                || rearm(&path, &bytes),
                |()| {
                    let object = OpenFileOptions::new()
                        .open_file(black_box(&path))
                        .expect("open_file");
                    object.write_to_file(&path).expect("write_to_file");
                },
                BatchSize::PerIteration,
            );
        });
        group.finish();
        rearm(&path, &bytes);

        let mut group = c.benchmark_group(format!("copy-out/{}", input.name));
        group.throughput(Throughput::Bytes(len));
        if large {
            group.sample_size(10);
        }
        group.bench_function("dicom-sanitize sanitize_file_to", |b| {
            b.iter(|| {
                policy
                    .sanitize_file_to(black_box(&path), &out)
                    .expect("copy-out")
            });
        });
        group.bench_function("std::fs::copy (floor)", |b| {
            b.iter(|| std::fs::copy(black_box(&path), &out).expect("copy"));
        });
        group.bench_function("dicom-object open_file + write_to_file", |b| {
            b.iter(|| {
                let object = OpenFileOptions::new()
                    .open_file(black_box(&path))
                    .expect("open_file");
                object.write_to_file(&out).expect("write_to_file");
            });
        });
        group.finish();

        let mut group = c.benchmark_group(format!("stream/{}", input.name));
        group.throughput(Throughput::Bytes(len));
        if large {
            group.sample_size(10);
        }
        let mut buf = vec![0u8; 64 * 1024];
        group.bench_function("dicom-sanitize sanitize_reader", |b| {
            b.iter(|| {
                let reader = policy
                    .sanitize_reader(black_box(bytes.as_slice()))
                    .expect("streamable");
                assert_eq!(drain(reader, &mut buf), len);
            });
        });
        group.bench_function("read through the same buffer (floor)", |b| {
            b.iter(|| assert_eq!(drain(black_box(bytes.as_slice()), &mut buf), len));
        });
        group.finish();
    }
}

criterion_group!(benches, bench_sanitize);
criterion_main!(benches);
