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
//!
//! On a shared machine, wall-clock time counts the time a contender waits for a CPU. With
//! `OPEN_BENCH_ROUNDS=N` set, the bench instead runs N interleaved rounds (each contender in
//! turn, then its counterpart, on the same file) timed in the calling thread's CPU time
//! (`CLOCK_THREAD_CPUTIME_ID`, which includes the kernel's time in its system calls; wall time
//! where there is none), and prints each contender's best round and the median of the paired
//! ratios: `OPEN_BENCH_ROUNDS=15 cargo bench --features dicom-object --bench open`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, Criterion, Throughput};
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

fn main() {
    match std::env::var("OPEN_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
    {
        Some(rounds) => interleaved(rounds),
        None => {
            benches();
            Criterion::default().configure_from_args().final_summary();
        }
    }
}

/// Time since an arbitrary start: the calling thread's CPU time where there is one.
fn now() -> Duration {
    #[cfg(unix)]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        let nanos = u32::try_from(t.tv_nsec).expect("nanoseconds");
        Duration::new(u64::try_from(t.tv_sec).expect("seconds"), nanos)
    }
    #[cfg(not(unix))]
    {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        START.get_or_init(std::time::Instant::now).elapsed()
    }
}

/// `rounds` interleaved rounds of each of our calls beside dicom-object's own (see the
/// module's documentation).
fn interleaved(rounds: usize) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let policy = Policy::default();
    let header = OpenFileOptions::new().read_until(tags::PIXEL_DATA);
    for (input, path) in generate(dir.path()) {
        let path = path.as_path();
        let large = input.bytes.len() > 16 << 20;
        type Call<'a> = Box<dyn Fn() + 'a>;
        let pairs: [(&str, Call, Call, usize); 2] = [
            (
                "open_file",
                Box::new(|| drop(dicom_object::open_file(path).expect("open_file"))),
                Box::new(|| drop(open_file(path, &policy).expect("open_file"))),
                if large { 3 } else { 400 },
            ),
            (
                "read_until(PixelData)",
                Box::new(|| {
                    let options = dicom_object::OpenFileOptions::new();
                    let object = options.read_until(tags::PIXEL_DATA).open_file(path);
                    drop(object.expect("read_until"));
                }),
                Box::new(|| drop(header.open_file(path, &policy).expect("read_until"))),
                400,
            ),
        ];
        for (what, theirs, ours, calls) in &pairs {
            let time = |call: &Call| {
                for _ in 0..calls / 10 {
                    call();
                }
                let start = now();
                for _ in 0..*calls {
                    call();
                }
                now().saturating_sub(start).as_secs_f64() / *calls as f64
            };
            let (mut best_theirs, mut best_ours, mut ratios) = (f64::MAX, f64::MAX, Vec::new());
            for _ in 0..rounds {
                let t = time(theirs);
                let o = time(ours);
                best_theirs = best_theirs.min(t);
                best_ours = best_ours.min(o);
                ratios.push(o / t);
            }
            ratios.sort_by(f64::total_cmp);
            let median = ratios.get(ratios.len() / 2).copied().unwrap_or(f64::NAN);
            println!(
                "{name} {what}: dicom-object {theirs:.2} µs, dicom-sanitize {ours:.2} µs \
                 (best of {rounds} rounds): {best:.3}x; paired median {median:.3}x",
                name = input.name,
                theirs = best_theirs * 1e6,
                ours = best_ours * 1e6,
                best = best_ours / best_theirs,
            );
        }
    }
}
