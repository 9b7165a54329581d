//! The library's walk and tree scan (feature `tree`) on real trees: order, the safety rules,
//! and one result whatever the number of threads.

use std::fs;
use std::path::{Path, PathBuf};

use dicom_sanitize::tree::{Entry, InOrder, ScanError, Scanned, Skip, TreeScan, Walker};
use dicom_sanitize::{validate, Policy};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/pydicom");
const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data");

/// Each entry as (path, what it is), `what` being "file", "error" or the skip reason.
fn listing(walker: &Walker, roots: &[&Path]) -> Vec<(PathBuf, String)> {
    walker
        .entries(roots.iter().copied())
        .map(|entry| match entry {
            Entry::File { path, .. } => (path, "file".to_owned()),
            Entry::Error { path, error } => (path, format!("error: {error}")),
            Entry::Skipped { path, reason } => (path, reason.to_string()),
            other => panic!("unexpected entry {other:?}"),
        })
        .collect()
}

/// A folder with what a scanner meets on shared storage beside two DICOM files.
fn odd_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("b/loop")).unwrap();
    fs::copy(format!("{EXAMPLES}/clean.dcm"), root.join("b/clean")).unwrap();
    fs::copy(format!("{EXAMPLES}/pe_polyglot.dcm"), root.join("a.dcm")).unwrap();
    fs::write(root.join("notes.txt"), b"not DICOM\n").unwrap();
    fs::write(root.join(".a.dcm.4242.7.dicom-sanitize.tmp"), b"half").unwrap();
    std::os::unix::fs::symlink(root.join("a.dcm"), root.join("link")).unwrap();
    std::os::unix::fs::symlink(root.join("b"), root.join("b/loop/back")).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(root.join("socket")).unwrap();
    dir
}

#[test]
fn a_walk_lists_by_name_and_says_why_it_leaves_out() {
    let dir = odd_tree();
    let root = dir.path();
    let got = listing(&Walker::new(), &[root]);
    let expected = [
        (
            ".a.dcm.4242.7.dicom-sanitize.tmp",
            "a temporary file of dicom-sanitize (process 4242)",
        ),
        ("a.dcm", "file"),
        ("b/clean", "file"),
        ("b/loop/back", "symbolic link (not followed)"),
        ("link", "symbolic link (not followed)"),
        ("notes.txt", "file"),
        ("socket", "not a regular file"),
    ];
    let expected: Vec<(PathBuf, String)> = expected
        .iter()
        .map(|(name, what)| (root.join(name), (*what).to_owned()))
        .collect();
    assert_eq!(got, expected);

    // Following links: the link to a file is a file; the loop is found and skipped.
    let followed = listing(&Walker::new().follow_symlinks(true), &[root]);
    assert!(followed.contains(&(root.join("link"), "file".to_owned())));
    assert!(followed.contains(&(root.join("b/loop/back"), "symbolic link loop".to_owned())));

    // Excluded folders go with what they hold; a root is never excluded.
    let walker = Walker::new().exclude(|path| path.ends_with("b") || path.ends_with("x"));
    let names: Vec<PathBuf> = listing(&walker, &[root])
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert!(!names.iter().any(|path| path.starts_with(root.join("b"))));
    assert_eq!(listing(&walker, &[&root.join("b")]).len(), 2);

    let small = Walker::new().max_size(Some(100));
    let listed = listing(&small, &[&root.join("a.dcm"), &root.join("notes.txt")]);
    let len = fs::metadata(root.join("a.dcm")).unwrap().len();
    assert_eq!(
        listed[0].1,
        format!("larger than the maximum size ({len} bytes)")
    );
    assert_eq!(listed[1].1, "file");
}

#[test]
fn stale_temporaries_are_removed_only_when_asked_and_dead() {
    let dir = tempfile::tempdir().unwrap();
    // No process has this id (above Linux's largest pid_max); this process does run.
    let stale = dir.path().join(".a.dcm.4194305.0.dicom-sanitize.tmp");
    let live = dir.path().join(format!(
        ".x.dcm.{}.0.dicom-sanitize.tmp",
        std::process::id()
    ));
    fs::write(&stale, b"").unwrap();
    fs::write(&live, b"").unwrap();
    let reasons = |walker: &Walker| -> Vec<Option<Skip>> {
        walker
            .entries([dir.path()])
            .map(|entry| match entry {
                Entry::Skipped { reason, .. } => Some(reason),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        reasons(&Walker::new()),
        [
            Some(Skip::Temporary { pid: 4194305 }),
            Some(Skip::Temporary {
                pid: std::process::id()
            })
        ]
    );
    assert!(stale.exists());
    let cleaning = Walker::new().removing_stale_temporaries();
    assert_eq!(
        reasons(&cleaning),
        [
            Some(Skip::StaleTemporaryRemoved { pid: 4194305 }),
            Some(Skip::Temporary {
                pid: std::process::id()
            })
        ]
    );
    assert!(!stale.exists() && live.exists());
}

/// What a scan gives for each entry, comparable across runs.
fn outcomes(jobs: usize, roots: &[&str]) -> Vec<(PathBuf, String)> {
    let scan = TreeScan::new(
        Walker::new().entries(roots),
        Policy::default().validator(),
        jobs,
    );
    scan.unwrap()
        .map(|scanned| match scanned {
            Scanned::Report { path, report, .. } => (path, format!("{report:?}")),
            Scanned::Error { path, error } => (path, format!("{}: {error}", error.code())),
            Scanned::Skipped { path, reason } => (path, reason.to_string()),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

#[test]
fn a_tree_scan_is_the_same_with_any_number_of_threads() {
    let roots = [DATA, EXAMPLES, "no/such/root"];
    let one = outcomes(1, &roots);
    assert!(one.len() > 30, "{}", one.len());
    for jobs in [0, 2, 7] {
        assert_eq!(outcomes(jobs, &roots), one, "jobs {jobs}");
    }
    // The reports are validate's, in walk order.
    let files: Vec<PathBuf> = Walker::new()
        .entries(roots)
        .filter_map(|entry| match entry {
            Entry::File { path, .. } => Some(path),
            _ => None,
        })
        .collect();
    for (path, (scanned, outcome)) in files.iter().zip(&one) {
        assert_eq!(path, scanned);
        let report = validate(&fs::read(path).unwrap());
        assert_eq!(outcome, &format!("{report:?}"), "{}", path.display());
    }
    let (missing, error) = one.last().unwrap();
    assert_eq!(missing, Path::new("no/such/root"));
    assert!(error.starts_with("io: No such file"), "{error}");
}

#[test]
fn a_file_that_cannot_be_read_is_an_error_of_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("locked.dcm");
    fs::copy(format!("{EXAMPLES}/clean.dcm"), &path).unwrap();
    let unreadable = std::os::unix::fs::PermissionsExt::from_mode(0o000);
    fs::set_permissions(&path, unreadable).unwrap();
    let scanned: Vec<Scanned> =
        TreeScan::new(Walker::new().entries([&path]), Default::default(), 1)
            .unwrap()
            .collect();
    // Root reads anything: then the file is simply reported.
    match &scanned[..] {
        [Scanned::Error {
            error: ScanError::Io(err),
            ..
        }] => {
            assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied)
        }
        [Scanned::Report { report, .. }] => assert!(report.layout.is_dicom()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn in_order_keeps_the_order_of_more_items_than_a_batch() {
    let n = dicom_sanitize::tree::BATCH * 3 + 5;
    let slow_first = |i: &usize| {
        if i.is_multiple_of(512) {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        i * 2
    };
    let results: Vec<(usize, usize)> = InOrder::new(4, 0..n, slow_first).unwrap().collect();
    assert_eq!(results.len(), n);
    assert!(results
        .iter()
        .enumerate()
        .all(|(i, &(item, doubled))| item == i && doubled == 2 * i));
}
