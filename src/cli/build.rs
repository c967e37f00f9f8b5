//! `annals build`: the whole pipeline, from archive to `public/`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use annals::BuildOptions;
use annals::config::Overrides;

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// The archive folder (the one that holds config.toml).
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Where to write the site (default: output_dir from config.toml, "public").
    #[arg(long)]
    output: Option<PathBuf>,
    /// Use this base URL instead of the one in config.toml.
    #[arg(long)]
    base_url: Option<String>,
    /// Include documents marked draft = true.
    #[arg(long)]
    drafts: bool,
    /// Keep running, and rebuild whenever an input changes.
    #[arg(long)]
    watch: bool,
    /// Fail on warnings too (a document without a date, say).
    #[arg(long, conflicts_with = "watch")]
    strict: bool,
}

pub fn run(args: BuildArgs) -> ExitCode {
    let options = BuildOptions {
        root: args.root,
        overrides: Overrides {
            base_url: args.base_url,
            // A path given on the command line is relative to where the
            // command runs; output_dir in config.toml, to the archive root.
            output_dir: args.output.map(|p| std::path::absolute(&p).unwrap_or(p)),
        },
        drafts: args.drafts,
        strict: args.strict,
    };
    if args.watch {
        return super::serve::watch(
            annals::serve::ServeOptions {
                build: options,
                listen: None,
            },
            false,
        );
    }
    super::allocate_for_one_run();
    match annals::build(&options) {
        Ok(report) => {
            super::report(&report.warnings);
            if report.unchanged {
                println!(
                    "Nothing changed since the last build: {} in {} pages ({} files) in {}, left as they were ({:.2} s)",
                    super::plural(report.documents, "document"),
                    report.pages,
                    report.files,
                    report.output.display(),
                    report.elapsed.as_secs_f64()
                );
                return ExitCode::SUCCESS;
            }
            let kept = match report.linked {
                0 => String::new(),
                n => format!(", {n} unchanged from the last build"),
            };
            println!(
                "Built {} into {} pages ({} files{kept}) in {} in {:.2} s",
                super::plural(report.documents, "document"),
                report.pages,
                report.files,
                report.output.display(),
                report.elapsed.as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            super::report_failure(&diagnostics, "nothing was written");
            ExitCode::FAILURE
        }
    }
}
