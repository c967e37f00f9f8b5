//! Watch and serve: rebuild on every change, and show the result at once.
//!
//! `annals serve` and `annals build --watch` share this loop: build once,
//! then wait for the watcher's next batch of changes and rebuild
//! incrementally (see [`crate::output::incremental`]), forever. `serve` also
//! runs the HTTP server in [`http`], which reloads open pages after every
//! rebuild and overlays the errors of a failed one on the last good site.
//! The state the server reads (where the output is, the last error, a
//! rebuild counter) lives in [`Shared`], passed explicitly, never global.

pub mod http;
pub mod watch;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::BuildOptions;
use crate::diag::Diagnostic;
use crate::output::incremental::{Incremental, Rebuilt};

/// What the server shares with the rebuild loop.
pub struct Shared {
    output: RwLock<PathBuf>,
    status: Mutex<Status>,
    changed: Condvar,
}

#[derive(Default)]
struct Status {
    /// Counts rebuilds, successful or not.
    version: u64,
    /// The printed diagnostics of the last rebuild, if it failed.
    error: Option<String>,
}

impl Shared {
    fn new(output: PathBuf) -> Shared {
        Shared {
            output: RwLock::new(output),
            status: Mutex::new(Status::default()),
            changed: Condvar::new(),
        }
    }

    pub fn output(&self) -> PathBuf {
        self.output.read().expect("no panics while held").clone()
    }

    pub fn error(&self) -> Option<String> {
        self.status.lock().expect("no panics while held").error.clone()
    }

    pub fn version(&self) -> u64 {
        self.status.lock().expect("no panics while held").version
    }

    /// Waits until the version passes `seen`, or `timeout`; returns the
    /// version then.
    pub fn wait_for_change(&self, seen: u64, timeout: Duration) -> u64 {
        let status = self.status.lock().expect("no panics while held");
        let (status, _) = self
            .changed
            .wait_timeout_while(status, timeout, |s| s.version <= seen)
            .expect("no panics while held");
        status.version
    }

    fn publish(&self, output: Option<PathBuf>, error: Option<String>) {
        if let Some(output) = output {
            *self.output.write().expect("no panics while held") = output;
        }
        let mut status = self.status.lock().expect("no panics while held");
        status.version += 1;
        status.error = error;
        self.changed.notify_all();
    }
}

/// How to serve.
pub struct ServeOptions {
    pub build: BuildOptions,
    /// Address to listen on; `None` watches without serving.
    pub listen: Option<(String, u16)>,
}

/// What the loop tells its caller, to print.
pub enum Event<'a> {
    Listening(SocketAddr),
    Rebuilt { rebuilt: &'a Rebuilt, took: Duration },
    Failed(&'a [Diagnostic]),
    Changed(&'a [PathBuf]),
}

/// Builds, serves if asked, and rebuilds on every change until the watcher
/// stops. Errors that stop it before it starts (the port is taken, the
/// folder cannot be watched) are returned.
pub fn run(mut options: ServeOptions, mut report: impl FnMut(Event)) -> Result<(), Vec<Diagnostic>> {
    let root = options.build.root.clone();
    let server = match &options.listen {
        Some((interface, port)) => {
            let server = tiny_http::Server::http((interface.as_str(), *port))
                .map_err(|e| vec![Diagnostic::error(format!("cannot listen on {interface}:{port}: {e}"))])?;
            let addr = server.server_addr().to_ip().expect("an IP listener");
            options.build.overrides.base_url = Some(format!("http://{addr}/"));
            report(Event::Listening(addr));
            Some(server)
        }
        None => None,
    };
    let mut watcher = watch::Watcher::new(&root)
        .map_err(|e| vec![Diagnostic::error(format!("cannot watch {}: {e}", root.display()))])?;
    let mut incremental = Incremental::new(if options.listen.is_some() { "serve" } else { "watch" });
    let shared = Arc::new(Shared::new(default_output(&options.build)));
    rebuild(&mut incremental, &options.build, None, &shared, &mut report);
    if let Some(server) = server {
        let shared = shared.clone();
        std::thread::spawn(move || http::run(server, shared));
    }
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.clone());
    while let Some(changed) = watcher.next_batch() {
        report(Event::Changed(&changed));
        let relative: Vec<PathBuf> = changed
            .iter()
            .filter_map(|p| p.strip_prefix(&canonical_root).ok().map(PathBuf::from))
            .collect();
        rebuild(&mut incremental, &options.build, Some(&relative), &shared, &mut report);
    }
    Ok(())
}

fn rebuild(
    incremental: &mut Incremental,
    options: &BuildOptions,
    changed: Option<&[PathBuf]>,
    shared: &Shared,
    report: &mut impl FnMut(Event),
) {
    let started = Instant::now();
    let result = match changed {
        Some(changed) => incremental.rebuild_after(options, changed),
        None => incremental.rebuild(options),
    };
    match result {
        Ok(rebuilt) => {
            shared.publish(Some(rebuilt.report.output.clone()), None);
            report(Event::Rebuilt {
                rebuilt: &rebuilt,
                took: started.elapsed(),
            });
        }
        Err(diagnostics) => {
            let text: String = diagnostics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n");
            shared.publish(None, Some(text));
            report(Event::Failed(&diagnostics));
        }
    }
}

/// Where the output will be, before the first build says so.
fn default_output(options: &BuildOptions) -> PathBuf {
    if let Some(dir) = &options.overrides.output_dir {
        return options.root.join(dir);
    }
    match crate::config::Config::load(&options.root, &options.overrides) {
        Ok(config) => options.root.join(config.output_dir),
        Err(_) => options.root.join("public"),
    }
}
