//! The `annals` command: parse arguments, run a subcommand, print what
//! happened, and turn the outcome into an exit code (0 success, 1 the archive
//! has errors, 2 bad usage).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::run(args)
}
