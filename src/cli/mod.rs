//! Command-line interface: one file per subcommand, all sharing how
//! diagnostics are printed and how outcomes become exit codes.

mod build;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use annals::diag::Diagnostic;

#[derive(Parser, Debug)]
#[command(
    name = "annals",
    version,
    about = "A static site generator for curated policy archives"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Build the archive into a static site.
    Build(build::BuildArgs),
    /// Build, serve the site on this machine, and rebuild and reload on every change.
    Serve(serve::ServeArgs),
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Build(args) => build::run(args),
        Command::Serve(args) => serve::run(args),
    }
}

/// Prints diagnostics to standard error, followed by a count of errors.
fn report(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        eprintln!("{d}");
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        eprintln!(
            "{errors} error{} found; nothing was written",
            if errors == 1 { "" } else { "s" }
        );
    }
}
