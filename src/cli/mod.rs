//! Command-line interface: one file per subcommand, all sharing how
//! diagnostics are printed and how outcomes become exit codes.

mod build;
mod check;
mod init;
mod new;
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
    /// Check the archive: build every page in memory, write nothing, and fail on any error.
    Check(check::CheckArgs),
    /// Build, serve the site on this machine, and rebuild and reload on every change.
    Serve(serve::ServeArgs),
    /// Create a new archive, with an example document, in a new or empty folder.
    Init(init::InitArgs),
    /// Draft content/<slug>.md for a seed put into seeds/.
    New(new::NewArgs),
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Build(args) => build::run(args),
        Command::Check(args) => check::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Init(args) => init::run(args),
        Command::New(args) => new::run(args),
    }
}

/// Tells the C library's allocator that this process builds once and
/// exits. By default glibc hands freed memory at the top of a heap back to
/// the system, grows each thread's heap a page range at a time, and serves
/// large blocks (a rendered page of a few hundred KiB) with their own
/// mappings: a build then spends a tenth of its system time faulting in
/// memory it already had. Keeping memory once taken costs nothing here,
/// since the process is about to exit; `serve`, which runs for hours,
/// keeps the defaults.
fn allocate_for_one_run() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets glibc's allocation parameters, and this runs
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
    }
}

/// Prints diagnostics (warnings, after a success) to standard error.
fn report(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        eprintln!("{d}");
    }
}

/// "1 document", "2 documents".
fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// Prints the diagnostics of a failure, then what failed and `outcome`.
fn report_failure(diagnostics: &[Diagnostic], outcome: &str) {
    report(diagnostics);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        eprintln!("{} found; {outcome}", plural(errors, "error"));
    } else {
        eprintln!(
            "{}, and --strict makes warnings fail; {outcome}",
            plural(diagnostics.len(), "warning")
        );
    }
}
