//! `annals check`: the whole pipeline, templates included, without writing
//! anything; for an archive's own CI.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use annals::BuildOptions;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The archive folder (the one that holds config.toml).
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Include documents marked draft = true.
    #[arg(long)]
    drafts: bool,
    /// Fail on warnings too (a document without a date, say).
    #[arg(long)]
    strict: bool,
}

pub fn run(args: CheckArgs) -> ExitCode {
    let options = BuildOptions {
        root: args.root,
        drafts: args.drafts,
        strict: args.strict,
        ..BuildOptions::default()
    };
    super::allocate_for_one_run();
    match annals::check(&options) {
        Ok(report) => {
            super::report(&report.warnings);
            println!(
                "Checked {} and {} pages: no errors{}",
                super::plural(report.documents, "document"),
                report.pages,
                match report.warnings.len() {
                    0 => String::new(),
                    n => format!(", {}", super::plural(n, "warning")),
                }
            );
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            super::report_failure(&diagnostics, "the archive does not pass");
            ExitCode::FAILURE
        }
    }
}
