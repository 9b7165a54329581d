//! `dicom-sanitize-gateway --config gateway.toml [--check-config]`

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use dicom_sanitize_gateway::{Config, Gateway};

const USAGE: &str =
    "usage: dicom-sanitize-gateway --config FILE [--sanitize-responses] [--check-config]

A DICOMweb gateway: STOW-RS uploads are sanitized (CVE-2019-11687) before they reach the origin;
every other request passes through. --check-config reads and checks FILE (and the policy file it
names), prints the settings and exits. --sanitize-responses also sanitizes the instances the
origin sends back (WADO-RS), as `sanitize_responses = true` in FILE does.";

fn main() -> ExitCode {
    let mut config = None;
    let mut check = false;
    let mut sanitize_responses = false;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--config") => config = args.next().map(PathBuf::from),
            Some("--check-config") => check = true,
            Some("--sanitize-responses") => sanitize_responses = true,
            Some("--help" | "-h") => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            Some("--version" | "-V") => {
                println!("dicom-sanitize-gateway {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            _ => {
                eprintln!("unexpected argument {arg:?}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(path) = config else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let mut config = match Config::from_file(&path) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("dicom-sanitize-gateway: {err}");
            return ExitCode::FAILURE;
        }
    };
    config.sanitize_responses |= sanitize_responses;
    if check {
        // The origin's TLS roots are loaded as at start.
        if let Err(err) = Gateway::new(config.clone()) {
            eprintln!("dicom-sanitize-gateway: {err}");
            return ExitCode::FAILURE;
        }
        println!("{}: ok", path.display());
        println!("listen: {}", config.listen);
        println!(
            "origin: {}://{}{}",
            config.origin.scheme, config.origin.authority, config.origin.base_path
        );
        match &config.policy_path {
            Some(p) => println!("policy: {}", p.display()),
            None => println!("policy: the default"),
        }
        println!("sanitize responses: {}", config.sanitize_responses);
        println!("limits: {:?}", config.limits);
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("dicom-sanitize-gateway: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(config.listen).await {
            Ok(listener) => listener,
            Err(err) => {
                eprintln!("dicom-sanitize-gateway: {}: {err}", config.listen);
                return ExitCode::FAILURE;
            }
        };
        dicom_sanitize_gateway::metrics::log(
            "listening",
            serde_json::json!({
                "listen": listener.local_addr().map(|a| a.to_string()).unwrap_or_default(),
                "origin": format!("{}://{}{}", config.origin.scheme, config.origin.authority, config.origin.base_path),
            }),
        );
        let gateway = match Gateway::new(config) {
            Ok(gateway) => gateway,
            Err(err) => {
                eprintln!("dicom-sanitize-gateway: {err}");
                return ExitCode::FAILURE;
            }
        };
        tokio::select! {
            result = gateway.serve(listener) => match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("dicom-sanitize-gateway: {err}");
                    ExitCode::FAILURE
                }
            },
            _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
        }
    })
}
