//! The preview server: the output folder over HTTP, plus live reload.
//!
//! Serves only files inside the output folder (requests are decoded, `..`
//! and other escapes are refused, and the resolved path must stay inside the
//! folder), with content types by extension, and the site's own `404.html`
//! with status 404 for anything else. While there is no folder it may serve
//! (see [`super::Site`]), every request gets a 503 page with the errors.
//! HTML pages get a small script that listens on `/__annals/events`
//! (server-sent events), naming the page it is on (the rebuilds write the
//! open pages among those an edit changes first), and reloads the page
//! after every rebuild; while the
//! last rebuild failed, they also get an overlay with the errors. Neither is
//! ever written to disk: the output folder stays byte for byte what `annals
//! build` writes.
//!
//! It answers as a preview should and no more: GET and HEAD only (405
//! otherwise), and, when it listens on a loopback address, only requests
//! whose `Host` names that address ([`Hosts`]), so that a web page whose
//! domain an attacker points at 127.0.0.1 (DNS rebinding) cannot read the
//! preview.

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tiny_http::{Header, Method, Request, Response, StatusCode};

use super::{Shared, Site};
use crate::render::text::escape;

/// The path of the live-reload event stream.
pub const EVENTS: &str = "/__annals/events";

/// Listens for reloads, and tells the server which page is open: a rebuild
/// writes the open pages among those that show an edit first.
const RELOAD_SCRIPT: &str = r#"<script>(function(){var s=new EventSource("/__annals/events?page="+encodeURIComponent(location.pathname));s.onmessage=function(e){if(e.data==="reload"){s.close();location.reload();}};})();</script>"#;

/// Answers requests until the server is dropped.
pub fn run(server: tiny_http::Server, shared: Arc<Shared>, hosts: Hosts) {
    let hosts = Arc::new(hosts);
    for request in server.incoming_requests() {
        let shared = shared.clone();
        let hosts = hosts.clone();
        // Event streams stay open; everything else is quick. A thread each
        // keeps one slow client from holding up the rest.
        std::thread::spawn(move || {
            let _ = answer(request, &shared, &hosts);
        });
    }
}

/// The `Host` header values the server accepts.
#[derive(Debug)]
pub enum Hosts {
    /// Any: the server listens on an address other machines can reach,
    /// by the user's choice, under names it cannot know.
    Any,
    /// These, compared without regard to ASCII case.
    Only(Vec<String>),
}

impl Hosts {
    /// The hosts to accept for a server listening on `addr`: on a loopback
    /// address, the names of this machine's loopback addresses and the
    /// address itself, with the port (which may be left out for port 80);
    /// on any other address, any.
    pub fn for_address(addr: SocketAddr) -> Hosts {
        if !addr.ip().is_loopback() {
            return Hosts::Any;
        }
        let port = addr.port();
        let bound = match addr.ip() {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        };
        let names = [
            "127.0.0.1".to_string(),
            "localhost".to_string(),
            "[::1]".to_string(),
            bound,
        ];
        let mut hosts: Vec<String> = names.iter().map(|name| format!("{name}:{port}")).collect();
        if port == 80 {
            hosts.extend(names);
        }
        hosts.sort();
        hosts.dedup();
        Hosts::Only(hosts)
    }

    /// Whether a request with this `Host` header (if any) is answered.
    pub fn allow(&self, host: Option<&str>) -> bool {
        match self {
            Hosts::Any => true,
            Hosts::Only(hosts) => host.is_some_and(|host| hosts.iter().any(|h| h.eq_ignore_ascii_case(host.trim()))),
        }
    }
}

fn answer(request: Request, shared: &Shared, hosts: &Hosts) -> io::Result<()> {
    let host = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Host"))
        .map(|h| h.value.as_str());
    if !hosts.allow(host) {
        let text = "403 forbidden: this preview answers only requests addressed to the address it listens on\n";
        return request.respond(plain(text, 403));
    }
    if !matches!(request.method(), Method::Get | Method::Head) {
        let text = "405 method not allowed: the preview answers only GET and HEAD\n";
        return request.respond(plain(text, 405).with_header(header("Allow", "GET, HEAD")));
    }
    let url = request.url().split(['?', '#']).next().unwrap_or("/").to_string();
    if url == EVENTS {
        let page = open_page(request.url());
        return events(request, shared, page);
    }
    // Read under the lock, so no rebuild writes in between; send after. A
    // file the last rebuild is still making is answered once it is made.
    let response = {
        let site = shared.site_for(url.trim_start_matches('/'), std::time::Duration::from_secs(30));
        response_for(&site, &url)?
    };
    let page = response
        .headers()
        .iter()
        .any(|h| h.field.equiv("Content-Type") && h.value.as_str().starts_with("text/html"));
    let sent = request.respond(response);
    if page {
        shared.page_served();
    }
    sent
}

/// What the server answers for `url`, read from the site as it is.
fn response_for(site: &Site, url: &str) -> io::Result<Response<io::Cursor<Vec<u8>>>> {
    let Some(output) = &site.output else {
        return Ok(page(
            unavailable(site.error.as_deref()),
            "text/html; charset=utf-8",
            503,
        ));
    };
    let (file, status) = match resolve(output, url) {
        Some(file) => (file, 200),
        None => {
            let not_found = output.join("404.html");
            if !not_found.is_file() {
                return Ok(plain("404 not found\n", 404));
            }
            (not_found, 404)
        }
    };
    let mut bytes = std::fs::read(&file)?;
    let content_type = content_type(&file);
    if content_type.starts_with("text/html") {
        bytes = inject(bytes, site.error.as_deref());
    }
    Ok(page(bytes, content_type, status))
}

fn page(bytes: Vec<u8>, content_type: &str, status: u16) -> Response<io::Cursor<Vec<u8>>> {
    Response::from_data(bytes)
        .with_status_code(StatusCode(status))
        .with_header(header("Content-Type", content_type))
        .with_header(header("Cache-Control", "no-store"))
}

fn plain(text: &str, status: u16) -> Response<io::Cursor<Vec<u8>>> {
    page(text.as_bytes().to_vec(), "text/plain; charset=utf-8", status)
}

/// The file a URL path names inside `output`, if it is one.
pub fn resolve(output: &Path, url: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(url).decode_utf8().ok()?;
    let rel = Path::new(decoded.trim_start_matches('/'));
    if decoded.contains('\0') || decoded.contains('\\') || !rel.components().all(|c| matches!(c, Component::Normal(_)))
    {
        return None;
    }
    // The marker is annals' own note, not part of the site.
    if rel == Path::new(crate::output::MARKER) {
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
    errors_box(
        "The last change broke the build; this is the last good version of the page.",
        error,
    )
}

/// The page for every request while there is no site to serve: the
/// errors, and the reload script, so it turns into the site once a build
/// succeeds.
fn unavailable(error: Option<&str>) -> Vec<u8> {
    let error = error.unwrap_or("No build has finished yet.");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>annals: no site to show</title></head>\
<body>{}{RELOAD_SCRIPT}</body></html>\n",
        errors_box(
            "There is no site to show: the build failed, and the preview serves only a folder annals has written.",
            error
        )
    )
    .into_bytes()
}

fn errors_box(heading: &str, error: &str) -> String {
    format!(
        "<div id=\"annals-error\" role=\"alert\" style=\"position:fixed;inset:0;z-index:2147483647;overflow:auto;\
background:rgba(20,20,20,.94);color:#fff;padding:2rem;font:14px/1.5 ui-monospace,monospace\">\
<p style=\"font:600 18px system-ui,sans-serif;margin:0 0 1rem\">{heading}</p>\
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
        Some("csv") => "text/csv; charset=utf-8",
        Some("bib") => "application/x-bibtex; charset=utf-8",
        Some("ris") => "application/x-research-info-systems; charset=utf-8",
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

/// A server-sent event stream that says "reload" after every rebuild that
/// changed a file or what the server shows (see `Shared::publish`).
///
/// The stream outlives the request: tiny_http hands over the connection
/// (its "upgrade"), which sends the head without a length, so the body runs
/// until the connection closes and each event can be flushed as it happens.
fn events(request: Request, shared: &Shared, page: Option<String>) -> io::Result<()> {
    let head = Response::empty(200)
        .with_header(header("Content-Type", "text/event-stream"))
        .with_header(header("Cache-Control", "no-store"));
    if *request.method() == Method::Head {
        return request.respond(head);
    }
    // The stream, and the page it names, count as open while it is.
    let names_a_page = page.is_some();
    let _open = shared.open(page);
    let mut stream = request.upgrade("annals-events", head);
    let mut seen = shared.version();
    stream.write_all(b"retry: 500\n\n")?;
    stream.flush()?;
    loop {
        let version = shared.wait_for_change(seen, Duration::from_secs(15));
        if version > seen {
            seen = version;
            stream.write_all(b"data: reload\n\n")?;
            if names_a_page {
                // The page's script closes its stream on a reload, and the
                // page reloaded opens another: this one is done now, not
                // at the next write that finds it closed, so that the next
                // rebuild does not wait for its page (see
                // `Shared::wait_for_reloaded_pages`). (The connection
                // stays with tiny_http until the browser closes it.)
                return stream.flush();
            }
        } else {
            stream.write_all(b": keep-alive\n\n")?;
        }
        stream.flush()?;
    }
}

/// The output path of the page an event stream's URL says is open
/// (`?page=`, a URL path, percent-encoded), if it says one.
fn open_page(url: &str) -> Option<String> {
    let (_, query) = url.split_once('?')?;
    let value = query.split('&').find_map(|pair| pair.strip_prefix("page="))?;
    let path = percent_encoding::percent_decode_str(value).decode_utf8().ok()?;
    let path = percent_encoding::percent_decode_str(&path).decode_utf8().ok()?;
    Some(super::page_file(path.trim_start_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The script says which page is open, as its URL path encoded; the
    /// server takes the page's file from it.
    #[test]
    fn an_event_stream_names_the_open_page_s_file() {
        let term = "%2Ftopics%2F%25E5%25B9%25B3%25E5%25AE%2589%25E4%25B8%25AD%25E5%259B%25BD%2F";
        let cases = [
            (
                "/__annals/events?page=%2Fdocuments%2Fa%2F",
                Some("documents/a/index.html"),
            ),
            ("/__annals/events?page=%2F", Some("index.html")),
            ("/__annals/events?x=1&page=%2F404.html", Some("404.html")),
            ("/__annals/events", None),
        ];
        for (url, file) in cases {
            assert_eq!(open_page(url).as_deref(), file, "{url}");
        }
        let events = format!("/__annals/events?page={term}");
        assert_eq!(open_page(&events).as_deref(), Some("topics/平安中国/index.html"));
    }

    #[test]
    fn resolves_only_inside_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        std::fs::create_dir_all(out.join("topics/平安中国")).unwrap();
        std::fs::write(out.join("topics/平安中国/index.html"), "x").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "s").unwrap();
        std::fs::write(out.join(".annals-output"), "m").unwrap();
        assert!(resolve(&out, "/topics/%E5%B9%B3%E5%AE%89%E4%B8%AD%E5%9B%BD/").is_some());
        for bad in [
            "/../secret.txt",
            "/%2e%2e/secret.txt",
            "/topics/../../secret.txt",
            "/..%5csecret.txt",
            "/nope/",
            "/.annals-output",
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
    fn accepts_the_hosts_of_the_loopback_address_it_listens_on() {
        let hosts = Hosts::for_address("127.0.0.2:8000".parse().unwrap());
        for ok in ["127.0.0.2:8000", "127.0.0.1:8000", "LOCALHOST:8000", "[::1]:8000"] {
            assert!(hosts.allow(Some(ok)), "{ok}");
        }
        for refused in [None, Some("localhost"), Some("localhost:80"), Some("evil.example:8000")] {
            assert!(!hosts.allow(refused), "{refused:?}");
        }
        let on_80 = Hosts::for_address("[::1]:80".parse().unwrap());
        assert!(on_80.allow(Some("localhost")) && on_80.allow(Some("[::1]")));
        assert!(!on_80.allow(Some("evil.example")));
        assert!(Hosts::for_address("0.0.0.0:8000".parse().unwrap()).allow(Some("evil.example")));
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type(Path::new("a/style.css")), "text/css; charset=utf-8");
        assert_eq!(content_type(Path::new("graph.json")), "application/json");
        assert_eq!(content_type(Path::new("data/catalogue.csv")), "text/csv; charset=utf-8");
        assert_eq!(
            content_type(Path::new("documents/a/cite.bib")),
            "application/x-bibtex; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("documents/a/cite.ris")),
            "application/x-research-info-systems; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("x.bin")), "application/octet-stream");
    }
}
