//! `annals serve` and `annals build --watch`: rebuild on every change; serve
//! the site with live reload.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use annals::BuildOptions;
use annals::config::Overrides;
use annals::serve::{Event, ServeOptions};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The archive folder (the one that holds config.toml).
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 1111)]
    port: u16,
    /// Address to listen on; the default keeps the preview on this machine.
    /// On any address but a loopback one, requests for any host name are answered.
    #[arg(long, default_value = "127.0.0.1")]
    interface: String,
    /// Open the site in the default browser.
    #[arg(long)]
    open: bool,
    /// Where to write the site (default: output_dir from config.toml).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Include documents marked draft = true.
    #[arg(long)]
    drafts: bool,
}

pub fn run(args: ServeArgs) -> ExitCode {
    let build = BuildOptions {
        root: args.root,
        overrides: Overrides {
            base_url: None,
            output_dir: args.output.map(|p| std::path::absolute(&p).unwrap_or(p)),
        },
        drafts: args.drafts,
        strict: false,
    };
    let open = args.open;
    watch(
        ServeOptions {
            build,
            listen: Some((args.interface, args.port)),
        },
        open,
    )
}

/// Runs the watch loop, printing what happens; `open` opens the browser
/// once the server listens.
pub fn watch(options: ServeOptions, open: bool) -> ExitCode {
    let result = annals::serve::run(options, |event| match event {
        Event::Listening(addr) => {
            println!("Serving on http://{addr}/ (Ctrl-C to stop)");
            if open {
                if let Err(e) = opener::open(format!("http://{addr}/")) {
                    eprintln!("warning: cannot open a browser: {e}");
                }
            }
        }
        Event::Changed(paths) => {
            let shown: Vec<String> = paths.iter().take(3).map(|p| p.display().to_string()).collect();
            let more = paths.len().saturating_sub(3);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            println!("Changed: {}{more}", shown.join(", "));
        }
        Event::Rebuilt { rebuilt, took } => {
            super::report(&rebuilt.report.warnings);
            let linked = rebuilt.report.linked;
            let linked_text = match linked {
                0 => String::new(),
                n => format!(", {n} linked unchanged from the last site"),
            };
            let later = match rebuilt.report.later.len() {
                0 => String::new(),
                n => format!("; {n} other pages that show the change follow"),
            };
            println!(
                "Rebuilt {} documents in {} ms: {} files written{linked_text}, {} removed{later}",
                rebuilt.report.documents,
                took.as_millis(),
                rebuilt.written.len().saturating_sub(linked),
                rebuilt.removed.len()
            );
        }
        Event::Failed(diagnostics) => {
            for d in diagnostics {
                eprintln!("{d}");
            }
            eprintln!("The build failed; the last good site stays in place. Waiting for changes.");
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(diagnostics) => {
            super::report(&diagnostics);
            ExitCode::FAILURE
        }
    }
}
