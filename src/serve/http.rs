//! The preview server: the output folder over HTTP, plus live reload.
//!
//! Serves only files inside the output folder (requests are decoded, `..`
//! and other escapes are refused, and the resolved path must stay inside the
//! folder), with content types by extension, and the site's own `404.html`
//! with status 404 for anything else. HTML pages get a small script that
//! listens on `/__annals/events` (server-sent events) and reloads the page
//! after every rebuild; while the last rebuild failed, they also get an
//! overlay with the errors. Neither is ever written to disk: the output
//! folder stays byte for byte what `annals build` writes.

use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tiny_http::{Header, Request, Response, StatusCode};

use super::Shared;
use crate::render::text::escape;

/// The path of the live-reload event stream.
pub const EVENTS: &str = "/__annals/events";

const RELOAD_SCRIPT: &str = r#"<script>(function(){var s=new EventSource("/__annals/events");s.onmessage=function(e){if(e.data==="reload"){s.close();location.reload();}};})();</script>"#;

/// Answers requests until the server is dropped.
pub fn run(server: tiny_http::Server, shared: Arc<Shared>) {
    for request in server.incoming_requests() {
        let shared = shared.clone();
        // Event streams stay open; everything else is quick. A thread each
        // keeps one slow client from holding up the rest.
        std::thread::spawn(move || {
            let _ = answer(request, &shared);
        });
    }
}

fn answer(request: Request, shared: &Shared) -> io::Result<()> {
    let url = request.url().split(['?', '#']).next().unwrap_or("/").to_string();
    if url == EVENTS {
        return events(request, shared);
    }
    let output = shared.output();
    match resolve(&output, &url) {
        Some(file) => send_file(request, shared, &file, StatusCode(200)),
        None => {
            let not_found = output.join("404.html");
            if not_found.is_file() {
                send_file(request, shared, &not_found, StatusCode(404))
            } else {
                request.respond(Response::from_string("404 not found").with_status_code(404))
            }
        }
    }
}

/// The file a URL path names inside `output`, if it is one.
pub fn resolve(output: &Path, url: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(url).decode_utf8().ok()?;
    let rel = Path::new(decoded.trim_start_matches('/'));
    if decoded.contains('\0') || decoded.contains('\\') || !rel.components().all(|c| matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let mut path = output.join(rel);
    if path.is_dir() {
        path.push("index.html");
    }
    let real = path.canonicalize().ok()?;
    let root = output.canonicalize().ok()?;
    (real.starts_with(&root) && real.is_file()).then_some(real)
}

fn send_file(request: Request, shared: &Shared, file: &Path, status: StatusCode) -> io::Result<()> {
    let mut bytes = std::fs::read(file)?;
    let content_type = content_type(file);
    if content_type.starts_with("text/html") {
        bytes = inject(bytes, shared.error().as_deref());
    }
    let response = Response::from_data(bytes)
        .with_status_code(status)
        .with_header(header("Content-Type", content_type))
        .with_header(header("Cache-Control", "no-store"));
    request.respond(response)
}

/// Adds the reload script, and the error overlay if there is an error,
/// before `</body>`.
pub fn inject(html: Vec<u8>, error: Option<&str>) -> Vec<u8> {
    let mut extra = String::from(RELOAD_SCRIPT);
    if let Some(error) = error {
        extra.push_str(&overlay(error));
    }
    let at = find_last(&html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + extra.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(extra.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn overlay(error: &str) -> String {
    format!(
        "<div id=\"annals-error\" role=\"alert\" style=\"position:fixed;inset:0;z-index:2147483647;overflow:auto;\
background:rgba(20,20,20,.94);color:#fff;padding:2rem;font:14px/1.5 ui-monospace,monospace\">\
<p style=\"font:600 18px system-ui,sans-serif;margin:0 0 1rem\">The last change broke the build; this is the last good version of the page.</p>\
<pre style=\"white-space:pre-wrap;margin:0\">{}</pre></div>",
        escape(error)
    )
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

/// The content type for a file, by its extension.
pub fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("pdf") => "application/pdf",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        _ => "application/octet-stream",
    }
}

/// A server-sent event stream that says "reload" after every rebuild.
///
/// The stream outlives the request: tiny_http hands over the connection
/// (its "upgrade"), which sends the head without a length, so the body runs
/// until the connection closes and each event can be flushed as it happens.
fn events(request: Request, shared: &Shared) -> io::Result<()> {
    let head = Response::empty(200)
        .with_header(header("Content-Type", "text/event-stream"))
        .with_header(header("Cache-Control", "no-store"));
    let mut stream = request.upgrade("annals-events", head);
    let mut seen = shared.version();
    stream.write_all(b"retry: 500\n\n")?;
    stream.flush()?;
    loop {
        let version = shared.wait_for_change(seen, Duration::from_secs(15));
        if version > seen {
            seen = version;
            stream.write_all(b"data: reload\n\n")?;
        } else {
            stream.write_all(b": keep-alive\n\n")?;
        }
        stream.flush()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_only_inside_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        std::fs::create_dir_all(out.join("topics/平安中国")).unwrap();
        std::fs::write(out.join("topics/平安中国/index.html"), "x").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "s").unwrap();
        assert!(resolve(&out, "/topics/%E5%B9%B3%E5%AE%89%E4%B8%AD%E5%9B%BD/").is_some());
        for bad in [
            "/../secret.txt",
            "/%2e%2e/secret.txt",
            "/topics/../../secret.txt",
            "/..%5csecret.txt",
            "/nope/",
        ] {
            assert!(resolve(&out, bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn injects_before_the_closing_body_tag() {
        let html = inject(b"<html><body><p>x</p></body></html>".to_vec(), Some("error: <bad>"));
        let html = String::from_utf8(html).unwrap();
        assert!(html.contains("EventSource"));
        assert!(html.contains("error: &lt;bad&gt;"));
        assert!(html.ends_with("</div></body></html>"));
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type(Path::new("a/style.css")), "text/css; charset=utf-8");
        assert_eq!(content_type(Path::new("graph.json")), "application/json");
        assert_eq!(content_type(Path::new("x.bin")), "application/octet-stream");
    }
}
