//! Sanitize an upload as it streams in, in bounded memory, with a `SanitizingReader`.
//!
//! A PACS receiving an object over HTTP (STOW-RS, a web upload form) wraps the request body in
//! `Policy::sanitize_reader` and stores what comes out: the reader decides from the first bytes
//! (256 of them, or up to 1 MiB when the preamble is a TIFF header), yields a new preamble if the
//! policy asks for one, then passes every other byte through unchanged. A refusal (a preamble the
//! policy does not accept, a body that is not DICOM) comes from `decide()`, before anything
//! is stored. Here the body is a file or stdin, and the store a file or stdout.
//!
//! The reader only sees those first bytes: an executable header whose structure lies further on
//! is reported unconfirmed here (`inspect` says confirmed), and zeroed all the same.
//!
//! ```text
//! cargo run --example sanitize_stream                        # examples/data/pe_polyglot.dcm, into the temp dir
//! cargo run --example sanitize_stream -- IN [OUT]            # `-` for stdin or stdout
//! cargo run --example sanitize_stream -- --reject IN [OUT]   # refuse polyglots instead of cleaning them
//! cargo run --example sanitize_stream -- - - < examples/data/script_polyglot.dcm > clean.dcm
//! ```
//!
//! Exit code: 2 on an I/O error, 1 when the preamble was rewritten or the upload refused (the
//! default sample's is rewritten), 0 when the upload was stored unchanged.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dicom_sanitize::{Action, Fallback, Policy, PreambleAction, PreambleKind};

fn main() -> ExitCode {
    let mut args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let reject = args.first().is_some_and(|a| a.as_os_str() == "--reject");
    if reject {
        args.remove(0);
    }
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/pe_polyglot.dcm");
    let input = args.first().cloned().unwrap_or(sample);
    let stored = std::env::temp_dir().join(format!("sanitized-{}.dcm", std::process::id()));
    let output = args.get(1).cloned().unwrap_or(stored);

    // Build the policy once at start-up and share it between requests.
    let policy = if reject {
        // Keep a working DICOM-TIFF header, refuse any other non-zero preamble.
        let refuse = PreambleAction::AllowTiff {
            otherwise: Fallback::Reject,
        };
        Policy::builder().preamble(refuse).build()
    } else {
        Ok(Policy::default()) // keep a working TIFF header, zero any other non-zero preamble
    };
    let policy = match policy {
        Ok(policy) => policy,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };

    let body: Box<dyn Read> = if input == Path::new("-") {
        Box::new(io::stdin().lock())
    } else {
        match File::open(&input) {
            Ok(file) => Box::new(file),
            Err(err) => {
                eprintln!("{}: {err}", input.display());
                return ExitCode::from(2);
            }
        }
    };
    match store(&policy, body, &output) {
        Ok((preamble, action, bytes)) => {
            eprintln!(
                "{}: preamble {}: {}, {bytes} bytes stored in {}",
                input.display(),
                preamble.map_or("absent".into(), |kind| format!("{} ({kind})", kind.name())),
                action.as_str(),
                output.display()
            );
            ExitCode::from(u8::from(!matches!(action, Action::None | Action::KeepTiff)))
        }
        Err(err) => match refusal(&err) {
            // Answer the client with an error; nothing was stored.
            Some(reason) => {
                eprintln!("{}: refused: {reason}", input.display());
                ExitCode::from(1)
            }
            None => {
                eprintln!("{} -> {}: {err}", input.display(), output.display());
                ExitCode::from(2)
            }
        },
    }
}

/// Streams the sanitized `body` to `output` (stdout for `-`); returns the body's preamble, what
/// was done to it, and how many bytes were stored.
fn store(
    policy: &Policy,
    body: impl Read,
    output: &Path,
) -> io::Result<(Option<PreambleKind>, Action, u64)> {
    let mut upload = policy.sanitize_reader(body).map_err(io::Error::other)?;
    // Decide before creating the destination: a refusal stores nothing. (Without this call
    // the first read decides, and returns the refusal as an error.)
    let action = upload.decide().map_err(|err| match err {
        dicom_sanitize::Error::Io { kind, message, .. } => io::Error::new(kind, message),
        refusal => io::Error::new(io::ErrorKind::InvalidData, refusal),
    })?;
    let preamble = upload.preamble();
    let bytes = if output == Path::new("-") {
        let mut stdout = io::stdout().lock();
        let bytes = io::copy(&mut upload, &mut stdout)?;
        stdout.flush()?;
        bytes
    } else {
        // Into a temporary file beside the destination, renamed once complete: an upload cut
        // off half-way never appears under its name.
        let dir = output.parent().filter(|d| !d.as_os_str().is_empty());
        let mut file = tempfile::NamedTempFile::new_in(dir.unwrap_or(Path::new(".")))?;
        let bytes = io::copy(&mut upload, &mut file)?;
        file.persist(output).map_err(|e| e.error)?;
        bytes
    };
    Ok((preamble, action, bytes))
}

/// The policy's reason when `err` is a refusal rather than an I/O failure.
fn refusal(err: &io::Error) -> Option<&dicom_sanitize::Error> {
    dicom_sanitize::Error::from_io(err).filter(|e| e.is_refusal())
}
