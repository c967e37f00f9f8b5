//! `annals serve`: a real server process on a free port, files edited under
//! it, and what it serves checked over HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crate::support::Fixture;

const WAIT: Duration = Duration::from_secs(20);

struct Server {
    child: Child,
    lines: Receiver<String>,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(fixture: &Fixture) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_annals"))
            .args(["serve", "--port", "0", "--root"])
            .arg(fixture.root())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (tx, lines) = channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server { child, lines, port: 0 };
        let listening = server.wait_for(|l| l.starts_with("Serving on "));
        let port = listening.rsplit(':').next().unwrap().split('/').next().unwrap();
        server.port = port.parse().unwrap();
        server.wait_for(|l| l.starts_with("Rebuilt "));
        server
    }

    /// Waits for a line of output matching `what`.
    fn wait_for(&self, what: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if what(&line) => return line,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!("the server did not print the expected line in time");
    }

    /// GET `path`: (status, content type, body).
    fn get(&self, path: &str) -> (u16, String, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let response = String::from_utf8_lossy(&response).into_owned();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        let content_type = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Type: "))
            .unwrap_or_default()
            .to_string();
        (status, content_type, body.to_string())
    }

    /// Opens the live-reload stream, as a browser page does.
    fn events(&self) -> EventStream {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(stream, "GET /__annals/events HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 0 && !line.starts_with("retry:") {
            line.clear();
        }
        EventStream { reader }
    }
}

struct EventStream {
    reader: BufReader<TcpStream>,
}

impl EventStream {
    /// Blocks until the server says "reload".
    fn reload(&mut self) {
        let mut line = String::new();
        loop {
            line.clear();
            let n = self.reader.read_line(&mut line).expect("an event before the timeout");
            assert!(n > 0, "the event stream closed");
            if line.trim() == "data: reload" {
                return;
            }
        }
    }
}

fn archive() -> Fixture {
    Fixture::new()
        .doc(
            "a",
            "title = \"First Plan\"\ndate = 2020-01-01\n[taxonomies]\ntopics = [\"5G\"]",
            "Original text.",
        )
        .doc(
            "b",
            "title = \"Second Report\"\ndate = 2021-01-01",
            "It cites the First Plan.",
        )
}

fn title_of(html: &str) -> &str {
    let start = html.find("<h1>").unwrap() + 4;
    &html[start..start + html[start..].find('<').unwrap()]
}

#[test]
fn serves_pages_with_types_404s_and_nothing_outside_the_output() {
    let f = archive();
    let server = Server::start(&f);
    let (status, content_type, body) = server.get("/documents/a/");
    assert_eq!((status, content_type.as_str()), (200, "text/html; charset=utf-8"));
    assert_eq!(title_of(&body), "First Plan");
    assert!(body.contains("/__annals/events"), "served pages reload themselves");
    let on_disk = std::fs::read_to_string(f.root().join("public/documents/a/index.html")).unwrap();
    assert!(!on_disk.contains("__annals"), "the script is never written to disk");
    assert_eq!(server.get("/style.css").1, "text/css; charset=utf-8");
    assert_eq!(server.get("/graph.json").1, "application/json");
    assert_eq!(server.get("/topics/5g/").0, 200);
    let (status, _, body) = server.get("/no/such/page/");
    assert_eq!(status, 404);
    assert_eq!(title_of(&body), "Page not found");
    std::fs::write(f.root().join("secret.txt"), "secret").unwrap();
    for escape in ["/../secret.txt", "/%2e%2e/secret.txt", "/documents/../../secret.txt"] {
        let (status, _, body) = server.get(escape);
        assert_eq!(status, 404, "{escape}");
        assert!(!body.contains("secret"), "{escape}");
    }
}

#[test]
fn edits_adds_and_deletes_reach_the_browser() {
    let f = archive();
    let server = Server::start(&f);
    let mut events = server.events();
    std::fs::write(
        f.root().join("content/a.md"),
        "+++\ntitle = \"First Plan, Revised\"\ndate = 2020-01-01\n+++\nNew text.\n",
    )
    .unwrap();
    events.reload();
    assert_eq!(title_of(&server.get("/documents/a/").2), "First Plan, Revised");

    std::fs::write(
        f.root().join("content/c.md"),
        "+++\ntitle = \"Third\"\ndate = 2022-01-01\n+++\nAdded.\n",
    )
    .unwrap();
    events.reload();
    assert_eq!(server.get("/documents/c/").0, 200);
    assert!(server.get("/").2.contains("/documents/c/"));

    std::fs::remove_file(f.root().join("content/b.md")).unwrap();
    events.reload();
    assert_eq!(server.get("/documents/b/").0, 404);
    assert!(!f.root().join("public/documents/b").exists());
}

#[test]
fn a_broken_edit_shows_an_overlay_on_the_last_good_site_until_fixed() {
    let f = archive();
    let server = Server::start(&f);
    let mut events = server.events();
    std::fs::write(f.root().join("content/a.md"), "+++\ntitle = \"Broken\nfoo\n+++\n").unwrap();
    events.reload();
    let (status, _, body) = server.get("/documents/a/");
    assert_eq!(status, 200);
    assert_eq!(title_of(&body), "First Plan", "the last good page is served");
    assert!(body.contains("id=\"annals-error\""), "with the error overlaid");
    assert!(body.contains("content/a.md:3:4"), "naming the file and line");
    assert!(server.get("/documents/b/").2.contains("annals-error"), "on every page");

    std::fs::write(
        f.root().join("content/a.md"),
        "+++\ntitle = \"Fixed\"\ndate = 2020-01-01\n+++\nText.\n",
    )
    .unwrap();
    events.reload();
    let body = server.get("/documents/a/").2;
    assert_eq!(title_of(&body), "Fixed");
    assert!(!body.contains("annals-error"));
}
