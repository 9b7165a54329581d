//! Choosing a policy on the command line, and `dicom-sanitize policy`.

use std::process::ExitCode;

use dicom_sanitize::{Policy, PreambleAction};

/// The preamble policies the command line offers.
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
    pub fn policy(self) -> Policy {
        match self {
            PolicyName::Zero => Policy::zero(),
            PolicyName::Strip => Policy::strip(),
            PolicyName::Tiff => Policy::default(),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    /// The policy to describe.
    #[arg(long, value_enum, default_value_t = PolicyName::Tiff)]
    policy: PolicyName,
}

pub fn run(args: &PolicyArgs) -> ExitCode {
    let policy = args.policy.policy();
    let action = match policy.preamble_action() {
        PreambleAction::Zero => "zero every non-zero preamble",
        PreambleAction::Strip => "strip the preamble and DICM",
        PreambleAction::AllowTiff { .. } => {
            "keep functional TIFF headers, zero other non-zero preambles"
        }
        _ => "custom",
    };
    println!("# Policy: {action}\n");
    print!("{}", policy.conformance_statement());
    ExitCode::SUCCESS
}
