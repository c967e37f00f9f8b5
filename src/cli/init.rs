//! `annals init`: create a new archive that builds.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The folder to create the archive in: a new folder, or an empty one.
    dir: PathBuf,
}

pub fn run(args: InitArgs) -> ExitCode {
    match annals::scaffold::init::init(&args.dir) {
        Ok(files) => {
            let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            println!("Created an archive in {}: {}", args.dir.display(), names.join(", "));
            println!(
                "Next: annals serve --root {} to see it, and annals new seeds/<file> --root {} for each text you add",
                args.dir.display(),
                args.dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(d) => {
            super::report_failure(&[d], "nothing was written");
            ExitCode::FAILURE
        }
    }
}
