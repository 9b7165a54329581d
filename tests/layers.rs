//! The crate's layering, checked on its source text: imports point down only, the reading
//! modules follow the order `src/read/mod.rs` states, and no file grows past the size cap.
//!
//! The layers, from the bottom:
//!
//! * the root modules `error`, `limits` and `severity` (and the docs-only `threat_model`);
//! * `read`, which names none of `validate`, `rewrite` and `fuzzing`;
//! * `validate`, which names neither `rewrite` nor `fuzzing`;
//! * `rewrite`, which names neither `open`, `tree` nor `fuzzing`;
//! * side by side above it, `open`, opening with dicom-object (feature `dicom-object`), and
//!   `tree`, walking and scanning trees of files (feature `tree`), neither naming the other
//!   nor `fuzzing`;
//! * `fuzzing`, on top (feature `fuzzing`).
//!
//! The root modules name no layer, except that `error.rs` names the two types of its
//! [`Rejection`](dicom_sanitize::Rejection) reasons that belong to higher modules: listed in
//! [`ERROR_MAY_NAME`].
//!
//! A module names another when its code (comments and doc links aside) holds a `crate::` or
//! `super::` path to it, in a `use` or inline, a `crate::Name` re-exported by `lib.rs`
//! counting as the module it comes from. Plain text scanning, no parser: a path inside a
//! string literal would count too, which no file does today.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The paths `src/error.rs` may name in higher layers (for [`Rejection`]: the preamble a
/// policy refused, the finding code that decided it).
///
/// [`Rejection`]: dicom_sanitize::Rejection
const ERROR_MAY_NAME: &[&str] = &[
    "read::preamble::PreambleKind",
    "validate::findings::FindingCode",
];

/// Files under `src/` allowed over [`MAX_LINES`], each with the reason. None today.
const LONG_FILES: &[(&str, &str)] = &[];

/// The size cap of a file under `src/`, in lines.
const MAX_LINES: usize = 800;

/// Which layers a layer may not name.
fn forbidden(layer: &str) -> &'static [&'static str] {
    match layer {
        "read" => &["validate", "rewrite", "open", "tree", "fuzzing"],
        "validate" => &["rewrite", "open", "tree", "fuzzing"],
        "rewrite" => &["open", "tree", "fuzzing"],
        "open" => &["tree", "fuzzing"],
        "tree" => &["open", "fuzzing"],
        "error" | "limits" | "severity" | "threat_model" => {
            &["read", "validate", "rewrite", "open", "tree", "fuzzing"]
        }
        _ => &[],
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The module a library file defines: `src/read/walk.rs` is `read::walk`, `src/read/mod.rs`
/// is `read`, `src/lib.rs` the root. `None` for the binary's files (another crate).
fn module_of(file: &Path) -> Option<Vec<String>> {
    let rel = file.strip_prefix(src()).unwrap();
    let mut segments: Vec<String> = rel
        .with_extension("")
        .iter()
        .map(|s| s.to_str().unwrap().to_owned())
        .collect();
    if segments.first().is_some_and(|s| s == "bin") {
        return None;
    }
    if segments.last().is_some_and(|s| s == "mod" || s == "lib") {
        segments.pop();
    }
    Some(segments)
}

/// The text with `//` comments (doc comments included) blanked out.
fn code(text: &str) -> String {
    text.lines()
        .map(|line| line.find("//").map_or(line, |at| &line[..at]))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Parses the use tree at the start of `s` (after `crate::` or `super::`): its paths, with
/// groups expanded (`a::{b, c::d}` gives `a::b` and `a::c::d`; `self` names the group's
/// prefix).
fn use_tree(s: &str) -> (Vec<Vec<String>>, &str) {
    let mut segments = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let mut paths = Vec::new();
            rest = group;
            loop {
                rest = rest.trim_start();
                if let Some(after) = rest.strip_prefix('}') {
                    return (paths, after);
                }
                let (inner, after) = use_tree(rest);
                for path in inner {
                    let mut full = segments.clone();
                    full.extend(path.into_iter().filter(|s| s != "self"));
                    paths.push(full);
                }
                // Skip `as name` up to the next `,` or `}`.
                let end = after.find([',', '}']).unwrap_or(after.len());
                rest = after[end..].strip_prefix(',').unwrap_or(&after[end..]);
            }
        }
        if let Some(after) = rest.strip_prefix('*') {
            return (vec![segments], after);
        }
        let len = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        if len == 0 {
            return (vec![segments], rest);
        }
        segments.push(rest[..len].to_owned());
        rest = &rest[len..];
        match rest.trim_start().strip_prefix("::") {
            Some(after) => rest = after,
            None => return (vec![segments], rest),
        }
    }
}

/// Every `crate::` and `super::` path in `code`, with its line number: `("crate", path)` or
/// `("super", path)`, `path` after the keyword.
fn paths(code: &str) -> Vec<(usize, &'static str, Vec<String>)> {
    let mut found = Vec::new();
    for (number, line_start) in line_starts(code) {
        let line = code[line_start..].lines().next().unwrap_or("");
        for keyword in ["crate", "super"] {
            let pattern = format!("{keyword}::");
            let mut from = 0;
            while let Some(at) = line[from..].find(&pattern) {
                let start = from + at;
                from = start + pattern.len();
                let before = line[..start].chars().next_back();
                if before.is_some_and(|c| is_ident(c) || c == '$' || c == ':') {
                    continue;
                }
                // A use tree may run over several lines: parse from here in the whole text.
                let (trees, _) = use_tree(&code[line_start + from..]);
                for path in trees {
                    found.push((number, keyword, path));
                }
            }
        }
    }
    found
}

fn line_starts(code: &str) -> Vec<(usize, usize)> {
    let mut starts = vec![(1, 0)];
    for (at, _) in code.match_indices('\n') {
        starts.push((starts.len() + 1, at + 1));
    }
    starts
}

/// The names `lib.rs` re-exports, and the modules they come from: `classify` is
/// `read::inspector::classify`, `walk` both `read::walk` and `read::inspector::walk`.
fn re_exports() -> BTreeMap<String, Vec<Vec<String>>> {
    let lib = code(&fs::read_to_string(src().join("lib.rs")).unwrap());
    let mut names: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    let mut rest = lib.as_str();
    while let Some(at) = rest.find("pub use ") {
        rest = &rest[at + "pub use ".len()..];
        let (trees, _) = use_tree(rest);
        for path in trees {
            if let Some(name) = path.last() {
                names.entry(name.clone()).or_default().push(path.clone());
            }
        }
    }
    names
}

/// What a path names, from the crate root: `crate::` paths as written (re-exports resolved),
/// `super::` paths from the file's module.
fn resolve(
    module: &[String],
    keyword: &str,
    path: &[String],
    re_exports: &BTreeMap<String, Vec<Vec<String>>>,
) -> Vec<Vec<String>> {
    let mut path = path;
    if keyword == "super" {
        let mut base = module.to_vec();
        base.pop();
        while path.first().is_some_and(|s| s == "super") {
            base.pop();
            path = &path[1..];
        }
        let mut full = base;
        full.extend(path.iter().cloned());
        return vec![full];
    }
    match path.first().map(String::as_str) {
        Some(
            "read" | "validate" | "rewrite" | "open" | "tree" | "fuzzing" | "error" | "limits"
            | "severity" | "threat_model",
        ) => vec![path.to_vec()],
        Some(name) => re_exports.get(name).map_or_else(Vec::new, |sources| {
            sources
                .iter()
                .map(|source| {
                    let mut full = source.clone();
                    full.extend(path[1..].iter().cloned());
                    full
                })
                .collect()
        }),
        None => Vec::new(),
    }
}

/// Every library file with the paths it names: `(file, its module, line, named path)`.
fn imports() -> Vec<(String, Vec<String>, usize, Vec<String>)> {
    let re_exports = re_exports();
    let mut imports = Vec::new();
    for file in rust_files(&src()) {
        let Some(module) = module_of(&file) else {
            continue;
        };
        let name = file.strip_prefix(src()).unwrap().display().to_string();
        let code = code(&fs::read_to_string(&file).unwrap());
        for (line, keyword, path) in paths(&code) {
            for named in resolve(&module, keyword, &path, &re_exports) {
                imports.push((name.clone(), module.clone(), line, named));
            }
        }
    }
    imports
}

#[test]
fn imports_point_down_only() {
    let imports = imports();
    // The scan sees the imports (a broken scanner would pass everything).
    assert!(imports.len() > 200, "only {} paths found", imports.len());
    assert!(imports.iter().any(|(file, _, _, named)| {
        file == "rewrite/policy.rs" && named.join("::") == "validate::report::Report"
    }));
    assert!(imports.iter().any(|(file, _, _, named)| {
        file == "open/gate.rs" && named.join("::") == "rewrite::policy::Policy"
    }));
    assert!(imports.iter().any(|(file, _, _, named)| {
        file == "tree/walk.rs" && named.join("::") == "rewrite::replace::temporary_pid"
    }));
    let mut upward = Vec::new();
    for (file, module, line, named) in imports {
        let (Some(layer), Some(target)) = (module.first(), named.first()) else {
            continue;
        };
        if !forbidden(layer).contains(&target.as_str()) {
            continue;
        }
        let named = named.join("::");
        if file == "error.rs" && ERROR_MAY_NAME.contains(&named.as_str()) {
            continue;
        }
        upward.push(format!("src/{file}:{line}: {layer} names crate::{named}"));
    }
    assert!(
        upward.is_empty(),
        "upward imports (see tests/layers.rs for the layers):\n{}",
        upward.join("\n")
    );
}

#[test]
fn error_names_only_what_it_is_documented_to() {
    // Every allowed path is still used: a stale entry is removed from the list.
    let named: BTreeSet<String> = imports()
        .into_iter()
        .filter(|(file, ..)| file == "error.rs")
        .map(|(.., named)| named.join("::"))
        .collect();
    for allowed in ERROR_MAY_NAME {
        assert!(
            named.contains(*allowed),
            "error.rs no longer names {allowed}: remove it from ERROR_MAY_NAME"
        );
    }
}

/// The steps of the numbered list in `src/read/mod.rs`'s docs: each backticked name of a
/// module under `src/read/` in item `n` is at step `n`.
fn read_steps(modules: &BTreeSet<String>) -> BTreeMap<String, usize> {
    let docs = fs::read_to_string(src().join("read/mod.rs")).unwrap();
    let mut steps = BTreeMap::new();
    let mut step = 0;
    for line in docs.lines() {
        let Some(text) = line.strip_prefix("//!") else {
            break;
        };
        let text = text.trim_start();
        let number = text
            .split_once(". ")
            .and_then(|(n, _)| n.parse::<usize>().ok());
        match number {
            Some(n) => {
                assert_eq!(n, step + 1, "src/read/mod.rs: step {n} out of order");
                step = n;
            }
            None if text.is_empty() || !line.starts_with("//!    ") => {
                if step > 0 {
                    break;
                }
                continue;
            }
            None => {}
        }
        for (i, quoted) in text.split('`').enumerate() {
            if i % 2 == 1 && modules.contains(quoted) {
                let earlier = steps.insert(quoted.to_owned(), step);
                assert!(earlier.is_none(), "src/read/mod.rs lists `{quoted}` twice");
            }
        }
    }
    steps
}

#[test]
fn read_modules_use_only_earlier_steps() {
    let modules: BTreeSet<String> = rust_files(&src().join("read"))
        .iter()
        .filter_map(|file| module_of(file))
        .filter_map(|module| module.get(1).cloned())
        .collect();
    let steps = read_steps(&modules);
    assert_eq!(steps.get("cursor"), Some(&1), "{steps:?}");
    assert_eq!(steps.get("walk_source"), Some(&2), "{steps:?}");
    let unlisted: Vec<_> = modules.iter().filter(|m| !steps.contains_key(*m)).collect();
    assert!(
        unlisted.is_empty(),
        "src/read/mod.rs's numbered list leaves out {unlisted:?}"
    );
    let mut violations = Vec::new();
    for (file, module, line, named) in imports() {
        let (Some("read"), Some(from)) = (module.first().map(String::as_str), module.get(1)) else {
            continue;
        };
        let (Some("read"), Some(to)) = (named.first().map(String::as_str), named.get(1)) else {
            continue;
        };
        let (Some(from_step), Some(to_step)) = (steps.get(from), steps.get(to)) else {
            continue;
        };
        // Modules of one step may use each other.
        if to_step > from_step {
            violations.push(format!(
                "src/{file}:{line}: `{from}` (step {from_step}) names `{to}` (step {to_step})"
            ));
        }
    }
    assert!(
        violations.is_empty(),
        "read modules naming later ones (see the order in src/read/mod.rs):\n{}",
        violations.join("\n")
    );
}

#[test]
fn no_file_over_the_size_cap() {
    let mut long = Vec::new();
    let mut listed = BTreeSet::new();
    for file in rust_files(&src()) {
        let name = file.strip_prefix(src()).unwrap().display().to_string();
        let lines = fs::read_to_string(&file).unwrap().lines().count();
        let exception = LONG_FILES.iter().find(|(path, _)| *path == name);
        if lines > MAX_LINES && exception.is_none() {
            long.push(format!("src/{name}: {lines} lines"));
        }
        if exception.is_some() {
            assert!(
                lines > MAX_LINES,
                "src/{name} is under {MAX_LINES} lines: remove it from LONG_FILES"
            );
            listed.insert(name);
        }
    }
    for (path, _) in LONG_FILES {
        assert!(
            listed.contains(*path),
            "LONG_FILES lists src/{path}, which does not exist"
        );
    }
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines (split them by job, or list them in LONG_FILES with \
         the reason):\n{}",
        long.join("\n")
    );
}

/// The scanner itself, on the forms the crate uses.
#[test]
fn use_trees_expand() {
    let (paths, _) = use_tree("read::{self, cursor::Cursor, probe::{Probe, Budget as B}};");
    let paths: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        paths,
        [
            "read",
            "read::cursor::Cursor",
            "read::probe::Probe",
            "read::probe::Budget"
        ]
    );
    let found = paths_of("fn f() { crate::validate::run(); }\n// crate::rewrite\nuse super::*;");
    assert_eq!(
        found,
        [
            (1, "crate", "validate::run".to_owned()),
            (3, "super", String::new())
        ]
    );
    assert!(paths_of("$crate::x; dicom_sanitize::crate::y").is_empty());
}

fn paths_of(text: &str) -> Vec<(usize, &'static str, String)> {
    paths(&code(text))
        .into_iter()
        .map(|(line, keyword, path)| (line, keyword, path.join("::")))
        .collect()
}
