//! Choosing a policy on the command line, and `dicom-sanitize policy`.

use std::path::PathBuf;
use std::process::ExitCode;

use dicom_sanitize::policy_file::{PolicyConfig, PreambleChoice};
use dicom_sanitize::Policy;

/// The preamble policies the command line names: three of a policy file's `preamble`
/// choices, with every other setting at its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PolicyName {
    /// Zero every non-zero preamble, TIFF headers included.
    Zero,
    /// Remove the preamble and `DICM` from every file.
    Strip,
    /// Keep a functional TIFF header, zero every other non-zero preamble (the default).
    Tiff,
}

impl PolicyName {
    /// The policy's flat form: the default one with this preamble choice.
    fn config(self) -> PolicyConfig {
        let mut config = PolicyConfig::default();
        config.preamble = match self {
            PolicyName::Zero => PreambleChoice::Zero,
            PolicyName::Strip => PreambleChoice::Strip,
            PolicyName::Tiff => PreambleChoice::Tiff,
        };
        config
    }
}

/// `--policy NAME` or `--policy-file FILE`, and `--deep`.
#[derive(Debug, Clone, clap::Args)]
pub struct PolicyChoice {
    /// The preamble policy [default: tiff].
    #[arg(long, value_enum, conflicts_with = "policy_file")]
    pub policy: Option<PolicyName>,
    /// The full policy from a TOML or JSON file (see `dicom-sanitize policy`).
    #[arg(long, value_name = "FILE")]
    pub policy_file: Option<PathBuf>,
    /// Also search Pixel Data, whole, so that every byte of a well-formed file is examined
    /// once (a policy file's `deep = true`). Without it, every value but Pixel Data is
    /// searched.
    #[arg(long)]
    pub deep: bool,
}

impl PolicyChoice {
    pub fn load(&self) -> Result<Policy, String> {
        let mut config = match (&self.policy_file, self.policy) {
            (Some(path), _) => {
                PolicyConfig::from(Policy::from_file(path).map_err(|e| e.to_string())?)
            }
            (None, name) => name.map_or_else(PolicyConfig::default, PolicyName::config),
        };
        config.deep |= self.deep;
        Policy::try_from(config).map_err(|e| e.to_string())
    }
}

#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    #[command(flatten)]
    choice: PolicyChoice,
}

/// Prints the effective policy as a policy file, then its conformance statement.
pub fn run(args: &PolicyArgs) -> ExitCode {
    let policy = match args.choice.load() {
        Ok(policy) => policy,
        Err(message) => {
            eprintln!("dicom-sanitize: {message}");
            return ExitCode::from(2);
        }
    };
    match toml::to_string(&policy) {
        Ok(text) => {
            println!("# Effective policy (usable with --policy-file)\n");
            println!("{}", text.trim_end());
        }
        Err(err) => {
            eprintln!("dicom-sanitize: {err}");
            return ExitCode::from(2);
        }
    }
    println!("\n# DICOM Conformance Statement text\n");
    print!("{}", policy.conformance_statement());
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_library_policies() {
        let load = |policy| {
            PolicyChoice {
                policy,
                policy_file: None,
                deep: false,
            }
            .load()
        };
        assert_eq!(load(None), Ok(Policy::default()));
        assert_eq!(load(Some(PolicyName::Tiff)), Ok(Policy::default()));
        assert_eq!(load(Some(PolicyName::Zero)), Ok(Policy::zero()));
        assert_eq!(load(Some(PolicyName::Strip)), Ok(Policy::strip()));
    }

    #[test]
    fn deep_makes_any_policy_deep() {
        for policy in [None, Some(PolicyName::Zero), Some(PolicyName::Strip)] {
            let choice = PolicyChoice {
                policy,
                policy_file: None,
                deep: true,
            };
            let loaded = choice.load().unwrap();
            assert!(loaded.deep_scan(), "{policy:?}");
            let mut shallow = PolicyConfig::from(&loaded);
            shallow.deep = false;
            let shallow = Policy::try_from(shallow).unwrap();
            assert_eq!(
                PolicyChoice {
                    deep: false,
                    ..choice
                }
                .load(),
                Ok(shallow)
            );
        }
    }

    #[test]
    fn names_are_preamble_choices() {
        use clap::ValueEnum;
        for name in PolicyName::value_variants() {
            let value = name.to_possible_value().unwrap();
            assert_eq!(value.get_name(), name.config().preamble.as_str());
        }
    }
}
