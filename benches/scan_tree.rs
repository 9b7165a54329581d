//! Whole-process comparison: `dicom-sanitize scan` over a tree of CT-like files with junk
//! preambles, against a loop that opens each file with dicom-object `read_until(PixelData)`
//! (the dicom-rs way to read a file's header), and against the physical floor (reading the
//! same bytes with the same system calls and doing nothing else), in one run; and
//! `scan --deep --jobs 1`, which reads every byte of every file, against `cat` of every file
//! to `/dev/null` (the floor of a deep scan). The warm-up reads each file's head and tail
//! only: when the tree does not fit in the page cache, the deep scan and `cat` both read from
//! the disk.
//!
//! ```text
//! cargo bench --features cli --bench scan_tree            # 10,000 files of about 0.5 MB
//! SCAN_TREE_FILES=1000 cargo bench --features cli --bench scan_tree
//! ```
//!
//! The tree is generated once under `target/scan-tree-N` and reused. Every contender runs as
//! its own process on a warm page cache (a first pass reads the head and tail of every file),
//! twenty times, alternating with the others; the best time counts (this machine's timings vary by half from
//! run to run). Each round's own ratio of the dicom-rs loop to `scan --jobs 1` is printed too,
//! as median and range: a ratio of two runs a second apart does not depend on which of them
//! happened to meet the machine at its fastest. The dicom-rs loop is this
//! binary run with `--dicom-rs-loop DIR`; `--dicom-rs-rewrite IN OUT` (open_file +
//! write_to_file) serves `benches/peak_rss.py`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use dicom_object::OpenFileOptions;

mod common;

/// Files per folder of the generated tree.
const PER_FOLDER: usize = 100;
/// Runs per contender; the best counts.
const RUNS: usize = 20;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--dicom-rs-loop") {
        let dir = PathBuf::from(&args[at + 1]);
        dicom_rs_loop(&dir);
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--cat") {
        cat_every_file(Path::new(&args[at + 1]));
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--read-floor") {
        read_floor(Path::new(&args[at + 1]));
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--dicom-rs-rewrite") {
        // For benches/peak_rss.py: the dicom-rs way to clear a preamble.
        dicom_rs_rewrite(Path::new(&args[at + 1]), Path::new(&args[at + 2]));
        return;
    }
    if args.iter().any(|a| a == "--list" || a == "--test") {
        // `cargo bench -- --list` and `cargo test --benches` expect a quick answer.
        return;
    }
    let files: usize = std::env::var("SCAN_TREE_FILES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let tree = generate(files);
    let bytes = warm(&tree);
    let scanner = env!("CARGO_BIN_EXE_dicom-sanitize");
    let this = std::env::current_exe().expect("this benchmark's path");
    let tree_arg = tree.to_str().expect("UTF-8 path");

    let contenders: [(&str, Vec<&str>, &Path); 6] = [
        (
            "dicom-sanitize scan --jobs 1",
            vec!["scan", "--quiet", "--jobs", "1", tree_arg],
            Path::new(scanner),
        ),
        (
            "dicom-sanitize scan --jobs 2",
            vec!["scan", "--quiet", "--jobs", "2", tree_arg],
            Path::new(scanner),
        ),
        (
            "dicom-object read_until(PixelData) loop",
            vec!["--dicom-rs-loop", tree_arg],
            &this,
        ),
        (
            "read what scan reads, nothing else (floor)",
            vec!["--read-floor", tree_arg],
            &this,
        ),
        (
            "dicom-sanitize scan --deep --jobs 1",
            vec!["scan", "--quiet", "--deep", "--jobs", "1", tree_arg],
            Path::new(scanner),
        ),
        (
            "cat of every file to /dev/null (floor of --deep)",
            vec!["--cat", tree_arg],
            &this,
        ),
    ];
    // Runs alternate between contenders so that a change in the machine's load mid-run
    // affects them alike.
    let mut best = [Duration::MAX; 6];
    // Per round, the dicom-rs loop's time over `scan --jobs 1`'s: the two ran a second apart,
    // so a change in the machine's speed between rounds cancels out of each ratio.
    let mut paired = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let mut round = [Duration::MAX; 6];
        for (slot, (_, args, program)) in round.iter_mut().zip(&contenders) {
            *slot = time(program, args);
        }
        for (best, time) in best.iter_mut().zip(round) {
            *best = (*best).min(time);
        }
        paired.push(round[2].as_secs_f64() / round[0].as_secs_f64());
    }
    paired.sort_by(f64::total_cmp);
    let results: Vec<(&str, Duration)> = contenders
        .iter()
        .zip(best)
        .map(|((name, _, _), time)| (*name, time))
        .collect();
    let baseline = results[2].1.as_secs_f64();
    let single = results[0].1.as_secs_f64();
    println!(
        "\n### scan of {files} files ({:.1} GB), best of {RUNS}\n",
        bytes as f64 / 1e9
    );
    println!("| contender | time | files/s | MB/s | vs dicom-rs loop |");
    println!("|---|---:|---:|---:|---:|");
    for (name, elapsed) in &results {
        let seconds = elapsed.as_secs_f64();
        println!(
            "| {name} | {seconds:.2} s | {:.0} | {:.0} | {:.2}x faster |",
            files as f64 / seconds,
            bytes as f64 / 1e6 / seconds,
            baseline / seconds
        );
    }
    println!(
        "\n`--jobs 2` is {:.2}x as fast as `--jobs 1`; `--jobs 1` takes {:.2}x the floor's time \
         (the floor is this binary reading, with the same system calls, the bytes scan reads).",
        single / results[1].1.as_secs_f64(),
        single / results[3].1.as_secs_f64()
    );
    println!(
        "\n`scan --deep --jobs 1` takes {:.2}x the time of `cat` of every file to /dev/null \
         (issue 15's target: at most 1.5x).",
        results[4].1.as_secs_f64() / results[5].1.as_secs_f64()
    );
    println!(
        "\nPaired by round (the dicom-rs loop's time over `scan --jobs 1`'s in the same round), \
         {RUNS} rounds: median {:.2}x, lowest {:.2}x, highest {:.2}x.",
        paired[RUNS / 2],
        paired[0],
        paired[RUNS - 1]
    );
}

/// Runs `program args` and returns its wall time; scan exits 1 (files are flagged).
fn time(program: &Path, args: &[&str]) -> Duration {
    let started = Instant::now();
    let status = Command::new(program)
        .args(args)
        .status()
        .expect("run contender");
    let elapsed = started.elapsed();
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "{} {args:?} failed: {status}",
        program.display()
    );
    elapsed
}

/// The dicom-rs way: open every file in the tree (sorted walk) up to Pixel Data.
fn dicom_rs_loop(dir: &Path) {
    let mut opened = 0usize;
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk");
        if !entry.file_type().is_file() {
            continue;
        }
        OpenFileOptions::new()
            .read_until(dicom_dictionary_std::tags::PIXEL_DATA)
            .open_file(entry.path())
            .expect("dicom-object opens the file");
        opened += 1;
    }
    assert!(opened > 0);
}

/// The physical floor of a scan: for every file of the tree (sorted walk), the system calls
/// `scan --jobs 1` makes (open, fstat, a positional read of the first 8 KiB and one of the last
/// 65,557 bytes, where a ZIP end-of-central-directory record can be, close) and nothing else.
fn read_floor(dir: &Path) {
    use std::os::unix::fs::FileExt;
    const HEAD: usize = 8 * 1024;
    const ZIP_WINDOW: u64 = 22 + 65_535;
    let mut head = vec![0u8; HEAD];
    let mut tail = vec![0u8; ZIP_WINDOW as usize];
    let mut read = 0usize;
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk");
        if !entry.file_type().is_file() {
            continue;
        }
        let file = std::fs::File::open(entry.path()).expect("open");
        let len = file.metadata().expect("fstat").len();
        read += file.read_at(&mut head, 0).expect("read the head");
        let start = len.saturating_sub(ZIP_WINDOW);
        let want = (len - start) as usize;
        read += file
            .read_at(&mut tail[..want], start)
            .expect("read the tail");
    }
    assert!(read > 0);
}

/// The floor of a deep scan: `cat` of every file of the tree (sorted walk) to `/dev/null`,
/// a few hundred files per `cat` process.
fn cat_every_file(dir: &Path) {
    const PER_CAT: usize = 500;
    let files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|entry| entry.expect("walk"))
        .filter(|entry| entry.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .collect();
    assert!(!files.is_empty());
    for batch in files.chunks(PER_CAT) {
        let status = Command::new("cat")
            .args(batch)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("run cat");
        assert!(status.success(), "cat failed: {status}");
    }
}

/// The dicom-rs way to clear a preamble: open the whole file, write it out again (dicom-object
/// writes a zero preamble).
fn dicom_rs_rewrite(from: &Path, to: &Path) {
    OpenFileOptions::new()
        .open_file(from)
        .expect("dicom-object opens the file")
        .write_to_file(to)
        .expect("dicom-object writes the file");
}

/// The tree of `files` CT-like files with junk preambles, generated once.
fn generate(files: usize) -> PathBuf {
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/scan-tree-{files}"));
    let done = tree.with_extension("complete");
    if done.exists() {
        return tree;
    }
    let _ = std::fs::remove_dir_all(&tree);
    let dir = tempfile::tempdir().expect("temporary directory");
    let (input, _) = common::generate(dir.path())
        .into_iter()
        .find(|(input, _)| input.name == "ct-0.5MB")
        .expect("the 0.5 MB input");
    eprintln!("generating {files} files under {}", tree.display());
    for i in 0..files {
        let folder = tree.join(format!("{:04}", i / PER_FOLDER));
        if i % PER_FOLDER == 0 {
            std::fs::create_dir_all(&folder).expect("create folder");
        }
        let mut data = input.bytes.clone();
        junk_preamble(&mut data[..128], i as u64);
        std::fs::write(folder.join(format!("{i:06}")), &data).expect("write file");
    }
    std::fs::write(&done, b"").expect("mark the tree complete");
    tree
}

/// Fills a preamble with junk of several kinds: random bytes, text, an executable header.
fn junk_preamble(preamble: &mut [u8], seed: u64) {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for byte in preamble.iter_mut() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *byte = state as u8;
    }
    match seed % 4 {
        0 => preamble[..2].copy_from_slice(b"MZ"),
        1 => preamble[..8].copy_from_slice(b"\x7fELF\x02\x01\x01\0"),
        2 => {
            preamble.fill(0);
            preamble[..22].copy_from_slice(b"Scanner workstation 7\0");
        }
        _ => {}
    }
}

/// Reads the parts of every file that any contender reads (the first and last 128 KiB), so
/// that every contender starts from a warm page cache even when the whole tree would not fit
/// in it; returns the tree's size in bytes.
fn warm(tree: &Path) -> u64 {
    use std::io::{Read, Seek, SeekFrom};
    const PART: u64 = 128 * 1024;
    let mut buf = vec![0u8; PART as usize];
    let mut total = 0;
    for entry in walkdir::WalkDir::new(tree)
        .into_iter()
        .filter_map(Result::ok)
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let mut file = std::fs::File::open(entry.path()).expect("open a tree file");
        let len = file.metadata().expect("stat a tree file").len();
        file.read_exact(&mut buf[..PART.min(len) as usize])
            .expect("read a file's head");
        file.seek(SeekFrom::Start(len.saturating_sub(PART)))
            .expect("seek to a file's tail");
        file.read_exact(&mut buf[..PART.min(len) as usize])
            .expect("read a file's tail");
        total += len;
    }
    total
}
