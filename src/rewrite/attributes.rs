//! The extended attributes a replacement keeps: every attribute of the file replaced that the
//! user can see (`user.*`, `security.*`, POSIX ACLs in `system.posix_acl_access`, `trusted.*`
//! for root), copied onto the new file before it is renamed into place. An attribute that
//! cannot be copied refuses the replacement, so none is silently dropped; attributes the new
//! file was given that the original lacks (an ACL inherited from the folder's default ACL) are
//! removed, so that the new file grants no access the original did not.
//!
//! With the `xattr` feature (default) on the platforms the `xattr` crate supports; elsewhere a
//! replacement keeps no extended attributes.

use std::fs::File;
use std::io;

/// The extended attributes of a file, names and values.
#[derive(Debug, Clone, Default)]
pub(crate) struct Attributes {
    #[cfg(all(unix, feature = "xattr"))]
    list: Vec<(std::ffi::OsString, Vec<u8>)>,
}

#[cfg(all(unix, feature = "xattr"))]
impl Attributes {
    /// The attributes of `file` that the user can read; none on a file system without them.
    pub(crate) fn of(file: &File) -> io::Result<Self> {
        use xattr::FileExt;
        let names = match file.list_xattr() {
            Ok(names) => names,
            Err(e) if unsupported(&e) => return Ok(Attributes::default()),
            Err(e) => return Err(e),
        };
        let mut list = Vec::new();
        for name in names {
            // Values are bounded by the kernel (64 KiB each on Linux).
            if let Some(value) = file.get_xattr(&name)? {
                list.push((name, value));
            }
        }
        Ok(Attributes { list })
    }

    /// Gives `file` exactly these attributes: each is set unless it already holds the value
    /// (a security label the kernel gave the new file), and the file's others are removed,
    /// security labels excepted. Fails, naming the attribute, when one cannot be.
    pub(crate) fn apply(&self, file: &File) -> io::Result<()> {
        use xattr::FileExt;
        let failed = |name: &std::ffi::OsStr, doing: &str, e: io::Error| {
            io::Error::new(
                e.kind(),
                format!(
                    "cannot {doing} the extended attribute {} ({e}), so the file is not \
                     replaced",
                    name.to_string_lossy()
                ),
            )
        };
        let present = match file.list_xattr() {
            Ok(names) => names.collect(),
            Err(e) if unsupported(&e) && self.list.is_empty() => Vec::new(),
            Err(e) => return Err(e),
        };
        for name in present {
            let kept = self.list.iter().any(|(kept, _)| *kept == name);
            let label = name.as_encoded_bytes().starts_with(b"security.");
            if !kept && !label {
                file.remove_xattr(&name)
                    .map_err(|e| failed(&name, "remove the inherited", e))?;
            }
        }
        for (name, value) in &self.list {
            if file.get_xattr(name).ok().flatten().as_deref() != Some(value.as_slice()) {
                file.set_xattr(name, value)
                    .map_err(|e| failed(name, "keep", e))?;
            }
        }
        Ok(())
    }
}

#[cfg(not(all(unix, feature = "xattr")))]
impl Attributes {
    /// None: extended attributes are not supported here.
    pub(crate) fn of(_file: &File) -> io::Result<Self> {
        Ok(Attributes::default())
    }

    /// Nothing to do.
    pub(crate) fn apply(&self, _file: &File) -> io::Result<()> {
        Ok(())
    }
}

/// Whether `err` says the file system (or platform) has no extended attributes.
#[cfg(all(unix, feature = "xattr"))]
fn unsupported(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::Unsupported || err.raw_os_error() == Some(libc::ENOTSUP)
}

#[cfg(all(test, unix, feature = "xattr"))]
mod tests {
    use std::path::{Path, PathBuf};
    use std::process::Command;

    use xattr::FileExt;

    use crate::Policy;

    /// A copy of a real file in a fresh folder, to be stripped (replaced).
    fn copy() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mr.dcm");
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pydicom/MR_small.dcm");
        std::fs::copy(data, &path).unwrap();
        (dir, path)
    }

    fn attributes(path: &Path) -> Vec<(String, Vec<u8>)> {
        let file = std::fs::File::open(path).unwrap();
        let mut list: Vec<_> = file
            .list_xattr()
            .unwrap()
            .map(|name| {
                let value = file.get_xattr(&name).unwrap().unwrap();
                (name.to_string_lossy().into_owned(), value)
            })
            .collect();
        list.sort();
        list
    }

    #[test]
    fn a_replacement_keeps_every_user_attribute() {
        let (_dir, path) = copy();
        let file = std::fs::File::open(&path).unwrap();
        if let Err(e) = file.set_xattr("user.origin", b"modality-7") {
            eprintln!("skipped: no user attributes on this file system ({e})");
            return;
        }
        file.set_xattr("user.empty", b"").unwrap();
        file.set_xattr("user.binary", &[0, 0xff, b'\n', 7]).unwrap();
        drop(file);
        let before = attributes(&path);
        let outcome = Policy::strip().sanitize_file(&path).unwrap();
        assert_eq!(outcome.bytes_removed, 132);
        assert_eq!(attributes(&path), before);
        assert!(before.iter().any(|(name, _)| name == "user.binary"));
    }

    /// Runs `tool` with `args`; `None` when it is missing or fails.
    fn tool(tool: &str, args: &[&str]) -> Option<String> {
        let output = Command::new(tool).args(args).output().ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// A POSIX ACL survives a replacement, and an ACL the folder's default ACL would give the
    /// new file is not added to a file that had none (it would grant access the original did
    /// not).
    #[test]
    fn a_replacement_keeps_the_acl_and_adds_none() {
        let (dir, path) = copy();
        let path = path.to_str().unwrap();
        let folder = dir.path().to_str().unwrap();
        let acl = |path: &str| tool("getfacl", &["--omit-header", "--numeric", path]);
        if tool("setfacl", &["-m", "u:65534:r", path]).is_none() {
            assert!(
                std::env::var_os("DICOM_SANITIZE_REQUIRE_TOOLS").is_none(),
                "setfacl (acl) is needed"
            );
            eprintln!("skipped: no setfacl, or no ACLs on this file system");
            return;
        }
        let before = acl(path).unwrap();
        assert!(before.contains("user:65534:r--"), "{before}");
        Policy::strip().sanitize_file(path).unwrap();
        assert_eq!(acl(path).unwrap(), before);

        // A file without ACL in a folder whose default ACL grants more.
        let plain = dir.path().join("plain.dcm");
        std::fs::copy(path, &plain).unwrap();
        let plain = plain.to_str().unwrap();
        tool("setfacl", &["-b", plain]).unwrap();
        tool("setfacl", &["-d", "-m", "u:65534:rwx", folder]).unwrap();
        let before = acl(plain).unwrap();
        assert!(!before.contains("65534"), "{before}");
        Policy::strip().sanitize_file(plain).unwrap();
        assert_eq!(acl(plain).unwrap(), before);
    }
}
