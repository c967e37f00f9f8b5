//! `annals new`: draft the content file for a seed just put into `seeds/`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use annals::scaffold::new::{NewError, NewOptions, new_document};

#[derive(Args, Debug)]
pub struct NewArgs {
    /// The seed: seeds/x.txt, or its path from the current folder.
    seed: PathBuf,
    /// The archive folder (the one that holds config.toml).
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// The document's slug, its file name and URL segment (default: from the seed's file name).
    #[arg(long)]
    slug: Option<String>,
    /// The seed's encoding, when it is not UTF-8 and has no byte order mark (e.g. gb18030).
    #[arg(long)]
    encoding: Option<String>,
}

pub fn run(args: NewArgs) -> ExitCode {
    let options = NewOptions {
        root: args.root.clone(),
        seed: args.seed,
        slug: args.slug,
        encoding: args.encoding,
    };
    match new_document(&options) {
        Ok(created) => {
            super::report(&created.warnings);
            let file = if args.root == Path::new(".") {
                created.file
            } else {
                args.root.join(created.file)
            };
            println!("Created {} for {}", file.display(), created.draft.seed);
            println!("Next: check the title, date and terms it guessed, fill in what you know, then run annals build");
            ExitCode::SUCCESS
        }
        Err(NewError::Usage(d)) => {
            super::report_failure(&[d], "nothing was written");
            ExitCode::from(2)
        }
        Err(NewError::Archive(diagnostics)) => {
            super::report_failure(&diagnostics, "nothing was written");
            ExitCode::FAILURE
        }
    }
}
