//! `annals serve` and `annals build --watch`: a real process on a free
//! port, files edited under it as editors save them, and what it serves
//! checked over raw HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use scraper::Html;

use crate::support::{CONFIG, Fixture, Page};

/// The longest any expected state may take to arrive.
const WAIT: Duration = Duration::from_secs(20);

/// A running `annals` that watches an archive: its standard output and
/// error, line by line, in one channel.
struct Process {
    child: Child,
    lines: Receiver<String>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    fn spawn(fixture: &Fixture, args: &[&str]) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_annals"))
            .args(args)
            .arg("--root")
            .arg(fixture.root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = channel();
        forward(child.stdout.take().unwrap(), tx.clone());
        forward(child.stderr.take().unwrap(), tx);
        Process { child, lines }
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
        panic!("annals did not print the expected line in time");
    }

    fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

fn forward(from: impl Read + Send + 'static, to: Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            if to.send(line).is_err() {
                break;
            }
        }
    });
}

struct Server {
    process: Process,
    /// The line that says where it listens.
    listening: String,
    port: u16,
}

impl Server {
    /// `annals serve` on a free port, once its first build is in.
    fn start(fixture: &Fixture) -> Server {
        let server = Server::start_with(fixture, &[]);
        server.process.wait_for(|l| l.starts_with("Rebuilt "));
        server
    }

    /// `annals serve` with more arguments, once it listens. Requests sent
    /// before its first build has finished are answered after it.
    fn start_with(fixture: &Fixture, args: &[&str]) -> Server {
        let mut all = vec!["serve", "--port", "0"];
        all.extend_from_slice(args);
        let process = Process::spawn(fixture, &all);
        let listening = process.wait_for(|l| l.starts_with("Serving on "));
        let port = listening.rsplit(':').next().unwrap().split('/').next().unwrap();
        let port = port.parse().unwrap();
        Server {
            process,
            listening,
            port,
        }
    }

    /// Sends `head` (a request line and headers, without the blank line
    /// that ends them) and `body` over a new connection to 127.0.0.1.
    fn request(&self, head: &str, body: &str) -> Response {
        request(self.port, head, body)
    }

    /// `method path` with the Host header a browser sends.
    fn send(&self, method: &str, path: &str) -> Response {
        send(self.port, method, path)
    }

    fn get(&self, path: &str) -> Response {
        self.send("GET", path)
    }

    /// Opens the live-reload stream without naming a page, as a program
    /// that watches the preview does.
    fn events(&self) -> EventStream {
        self.events_at("/__annals/events")
    }

    /// Opens the live-reload stream as the script of the page at `path`
    /// does.
    fn events_on(&self, path: &str) -> EventStream {
        self.events_at(&format!("/__annals/events?page={}", path.replace('/', "%2F")))
    }

    fn events_at(&self, url: &str) -> EventStream {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(stream, "GET {url} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n", self.port).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 0 && !line.starts_with("retry:") {
            line.clear();
        }
        EventStream { reader }
    }
}

fn request(port: u16, head: &str, body: &str) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "{head}\r\n\r\n{body}").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    Response::parse(&String::from_utf8_lossy(&response))
}

fn send(port: u16, method: &str, path: &str) -> Response {
    request(port, &format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}"), "")
}

struct Response {
    status: u16,
    head: String,
    body: String,
}

impl Response {
    fn parse(response: &str) -> Response {
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        Response {
            status: head.split(' ').nth(1).unwrap().parse().unwrap(),
            head: head.to_string(),
            body: body.to_string(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (field, value) = line.split_once(':')?;
            field.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    fn content_type(&self) -> &str {
        self.header("Content-Type").unwrap_or_default()
    }

    fn page(&self) -> Page {
        Page {
            html: Html::parse_document(&self.body),
            text: self.body.clone(),
        }
    }
}

struct EventStream {
    reader: BufReader<TcpStream>,
}

impl EventStream {
    /// Blocks until the server says "reload"; fails after [`WAIT`], even
    /// while the server keeps the stream alive.
    fn reload(&mut self) {
        let deadline = Instant::now() + WAIT;
        let mut line = String::new();
        loop {
            assert!(Instant::now() < deadline, "no reload within {WAIT:?}");
            line.clear();
            let n = self.reader.read_line(&mut line).expect("an event before the timeout");
            assert!(n > 0, "the event stream closed");
            if line.trim() == "data: reload" {
                return;
            }
        }
    }
}

impl EventStream {
    /// Fails if the server writes another event within `quiet` (the blank
    /// line that ends the last may come, and the stream may end).
    fn stays_silent(&mut self, quiet: Duration) {
        self.reader.get_ref().set_read_timeout(Some(quiet)).unwrap();
        let mut line = String::new();
        loop {
            line.clear();
            match self.reader.read_line(&mut line) {
                Ok(0) => return,
                Ok(_) => assert_eq!(line, "\n", "another event"),
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                    return;
                }
                Err(e) => panic!("{e}"),
            }
        }
    }
}

/// Saves a file as editors do: the whole text into a temporary file beside
/// it, then renamed over it, so a rebuild never reads half of it.
fn save(path: &Path, text: &str) {
    let tmp = path.with_file_name(format!(".{}.swp", path.file_name().unwrap().to_string_lossy()));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Waits until `done` holds, checking again and again; `what` says what
/// was expected when it does not in time.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {WAIT:?}");
        std::thread::sleep(Duration::from_millis(20));
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
    let page = server.get("/documents/a/");
    assert_eq!((page.status, page.content_type()), (200, "text/html; charset=utf-8"));
    assert_eq!(title_of(&page.body), "First Plan");
    assert!(page.body.contains("/__annals/events"), "served pages reload themselves");
    let on_disk = std::fs::read_to_string(f.root().join("public/documents/a/index.html")).unwrap();
    assert!(!on_disk.contains("__annals"), "the script is never written to disk");
    assert_eq!(server.get("/style.css").content_type(), "text/css; charset=utf-8");
    assert_eq!(server.get("/graph.json").content_type(), "application/json");
    assert_eq!(server.get("/topics/5g/").status, 200);
    let missing = server.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    assert_eq!(title_of(&missing.body), "Page not found");
    std::fs::write(f.root().join("secret.txt"), "secret").unwrap();
    for escape in ["/../secret.txt", "/%2e%2e/secret.txt", "/documents/../../secret.txt"] {
        let response = server.get(escape);
        assert_eq!(response.status, 404, "{escape}");
        assert!(!response.body.contains("secret"), "{escape}");
    }
}

#[test]
fn listens_on_127_0_0_1_by_default() {
    let f = archive();
    let server = Server::start(&f);
    assert_eq!(
        server.listening,
        format!("Serving on http://127.0.0.1:{}/ (Ctrl-C to stop)", server.port)
    );
    // The machine's address on its network, where it has one: the port is
    // closed there.
    if let Some(ip) = outward_address() {
        let there = SocketAddr::new(ip, server.port);
        assert!(
            TcpStream::connect_timeout(&there, Duration::from_secs(5)).is_err(),
            "the preview is reachable at {there}"
        );
    }
}

/// The address this machine would send from to another machine, if it has
/// a route out (connecting a UDP socket sends nothing).
fn outward_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[test]
fn answers_get_and_head_only() {
    let f = archive();
    let server = Server::start(&f);
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let response = server.request(
            &format!(
                "{method} /documents/a/ HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nContent-Length: 5",
                server.port
            ),
            "hello",
        );
        assert_eq!(response.status, 405, "{method}");
        assert_eq!(response.header("Allow"), Some("GET, HEAD"), "{method}");
        assert!(!response.body.contains("First Plan"), "{method}");
    }
    let got = server.get("/documents/a/");
    let head = server.send("HEAD", "/documents/a/");
    assert_eq!((head.status, head.content_type()), (200, "text/html; charset=utf-8"));
    assert_eq!(head.header("Content-Length"), Some(got.body.len().to_string().as_str()));
    assert_eq!(head.body, "", "HEAD gets no body");
    let missing = server.send("HEAD", "/no/such/page/");
    assert_eq!((missing.status, missing.body.as_str()), (404, ""));
}

#[test]
fn on_loopback_answers_only_requests_addressed_to_it() {
    let f = archive();
    let server = Server::start(&f);
    let port = server.port;
    let ask = |host: &str| {
        let head = format!("GET /documents/a/ HTTP/1.0\r\nHost: {host}");
        server.request(&head, "")
    };
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        format!("LocalHost:{port}"),
    ] {
        let response = ask(&host);
        assert_eq!(response.status, 200, "{host}");
        assert_eq!(title_of(&response.body), "First Plan", "{host}");
    }
    for host in [
        format!("evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        "localhost".to_string(),
    ] {
        let response = ask(&host);
        assert_eq!(response.status, 403, "{host}");
        assert!(!response.body.contains("First Plan"), "{host}");
    }
    let without_host = server.request("GET /documents/a/ HTTP/1.0", "");
    assert_eq!(without_host.status, 403);
    let events = server.request(
        &format!("GET /__annals/events HTTP/1.0\r\nHost: evil.example:{port}"),
        "",
    );
    assert_eq!(events.status, 403, "nor the event stream");
}

#[test]
fn an_interface_other_than_loopback_answers_any_host() {
    let f = archive();
    let server = Server::start_with(&f, &["--interface", "0.0.0.0"]);
    assert!(server.listening.starts_with("Serving on http://0.0.0.0:"));
    let response = server.request(
        &format!("GET /documents/a/ HTTP/1.0\r\nHost: preview.example:{}", server.port),
        "",
    );
    assert_eq!(response.status, 200);
    assert_eq!(title_of(&response.body), "First Plan");
}

#[test]
fn an_output_folder_annals_did_not_write_is_never_served() {
    const SECRET: &str = "-----BEGIN PRIVATE KEY----- not for the web";
    let f = archive()
        .file("mine/secret.txt", SECRET)
        .file("mine/index.html", "<html><body>my own page</body></html>");
    let mine = f.root().join("mine");
    let server = Server::start_with(&f, &["--output", mine.to_str().unwrap()]);
    let refused = |path: &str| {
        let response = server.get(path);
        assert_eq!(response.status, 503, "{path}");
        assert!(!response.body.contains(SECRET), "{path}");
        assert!(!response.body.contains("my own page"), "{path}");
        let shown = response.page().one_text("#annals-error pre");
        assert!(
            shown.contains(&format!("will not replace {}", mine.display())),
            "{shown}"
        );
        assert!(shown.contains("did not write"), "{shown}");
        assert!(response.body.contains("/__annals/events"), "it reloads once fixed");
    };
    for path in ["/secret.txt", "/", "/index.html", "/documents/a/", "/no/such/page/"] {
        refused(path);
    }
    let head = server.send("HEAD", "/secret.txt");
    assert_eq!((head.status, head.body.as_str()), (503, ""));

    // Rebuilds refused the same way change nothing.
    let mut events = server.events();
    save(
        &f.root().join("content/a.md"),
        "+++\ntitle = \"First Plan, Revised\"\ndate = 2020-01-01\n+++\nNew text.\n",
    );
    events.reload();
    refused("/secret.txt");
    assert_eq!(std::fs::read_to_string(mine.join("secret.txt")).unwrap(), SECRET);
    assert!(!mine.join(".annals-output").exists());

    // Once the folder is empty, the next build writes it, and it is served.
    std::fs::remove_file(mine.join("secret.txt")).unwrap();
    std::fs::remove_file(mine.join("index.html")).unwrap();
    save(
        &f.root().join("content/a.md"),
        "+++\ntitle = \"First Plan, Again\"\ndate = 2020-01-01\n+++\nNew text.\n",
    );
    eventually("the emptied folder is built and served", || {
        let response = server.get("/documents/a/");
        response.status == 200 && title_of(&response.body) == "First Plan, Again"
    });
    assert!(mine.join(".annals-output").is_file());
}

#[test]
fn a_failed_first_build_shows_the_output_an_earlier_build_wrote() {
    let f = archive();
    f.build();
    let f = f.file("content/a.md", "+++\ntitle = \"Broken\nfoo\n+++\n");
    let server = Server::start_with(&f, &[]);
    let response = server.get("/documents/b/");
    assert_eq!(response.status, 200);
    assert_eq!(title_of(&response.body), "Second Report");
    assert!(response.body.contains("id=\"annals-error\""), "with the error overlaid");

    // Without the marker, the same folder is not annals' to show.
    drop(server);
    std::fs::remove_file(f.root().join("public/.annals-output")).unwrap();
    let server = Server::start_with(&f, &[]);
    let response = server.get("/documents/b/");
    assert_eq!(response.status, 503);
    assert!(!response.body.contains("Second Report"));
    assert!(
        response
            .page()
            .one_text("#annals-error pre")
            .contains("content/a.md:3:4")
    );
}

#[test]
fn edits_adds_and_deletes_reach_the_browser() {
    let f = archive();
    let server = Server::start(&f);
    let mut events = server.events();
    save(
        &f.root().join("content/a.md"),
        "+++\ntitle = \"First Plan, Revised\"\ndate = 2020-01-01\n+++\nNew text.\n",
    );
    events.reload();
    assert_eq!(title_of(&server.get("/documents/a/").body), "First Plan, Revised");

    save(
        &f.root().join("content/c.md"),
        "+++\ntitle = \"Third\"\ndate = 2022-01-01\n+++\nAdded.\n",
    );
    events.reload();
    assert_eq!(server.get("/documents/c/").status, 200);
    assert!(server.get("/").body.contains("/documents/c/"));
    // The search index is made after the pages are served; asked for at
    // once, it is answered when made.
    let documents = |meta: Response| -> u64 {
        let meta: serde_json::Value = serde_json::from_str(&meta.body).unwrap();
        meta["documents"].as_u64().unwrap()
    };
    assert_eq!(documents(server.get("/search/meta.json")), 3);

    std::fs::remove_file(f.root().join("content/b.md")).unwrap();
    events.reload();
    assert_eq!(documents(server.get("/search/meta.json")), 2);
    assert_eq!(server.get("/documents/b/").status, 404);
    assert!(!f.root().join("public/documents/b").exists());
}

/// A page's script closes its stream when told to reload, and the page
/// reloaded opens another: the server is done with the first stream then
/// too, so that the next rebuild does not count it among the pages it
/// waits to be asked for, and tells it nothing more. A stream that names
/// no page is told of every reload.
#[test]
fn a_page_s_event_stream_hears_of_one_reload() {
    let f = archive();
    let server = Server::start(&f);
    let mut on_page = server.events_on("/documents/a/");
    let mut watching = server.events();
    let edit = |title: &str| {
        let text = format!("+++\ntitle = \"{title}\"\ndate = 2020-01-01\n+++\nText.\n");
        save(&f.root().join("content/a.md"), &text);
    };
    edit("Revised");
    on_page.reload();
    watching.reload();
    edit("Revised Again");
    watching.reload();
    // Both streams hear of a reload at once; two seconds is ample.
    on_page.stays_silent(Duration::from_secs(2));
    assert_eq!(title_of(&server.get("/documents/a/").body), "Revised Again");
}

#[test]
fn a_broken_edit_shows_an_overlay_on_the_last_good_site_until_fixed() {
    let f = archive();
    let server = Server::start(&f);
    let mut events = server.events();
    save(&f.root().join("content/a.md"), "+++\ntitle = \"Broken\nfoo\n+++\n");
    events.reload();
    let response = server.get("/documents/a/");
    assert_eq!(response.status, 200);
    assert_eq!(title_of(&response.body), "First Plan", "the last good page is served");
    assert!(response.body.contains("id=\"annals-error\""), "with the error overlaid");
    assert!(response.body.contains("content/a.md:3:4"), "naming the file and line");
    assert!(
        server.get("/documents/b/").body.contains("annals-error"),
        "on every page"
    );

    save(
        &f.root().join("content/a.md"),
        "+++\ntitle = \"Fixed\"\ndate = 2020-01-01\n+++\nText.\n",
    );
    events.reload();
    let body = server.get("/documents/a/").body;
    assert_eq!(title_of(&body), "Fixed");
    assert!(!body.contains("annals-error"));
}

#[test]
fn edits_of_the_config_and_templates_reach_the_served_pages() {
    let f = archive().file(
        "templates/document.html",
        "{% extends \"base.html\" %}{% block content %}<h1>{{ doc.title }}</h1><p id=\"edition\">first</p>{% endblock content %}",
    );
    let server = Server::start(&f);
    assert_eq!(server.get("/documents/a/").page().one_text("#edition"), "first");
    assert_eq!(server.get("/").page().one_text(".site-title"), "Test Archive");

    save(
        &f.root().join("config.toml"),
        &CONFIG.replace("Test Archive", "Renamed Archive"),
    );
    eventually("the new site title is served", || {
        server.get("/").page().one_text(".site-title") == "Renamed Archive"
            && server.get("/documents/b/").page().one_text(".site-title") == "Renamed Archive"
    });

    save(
        &f.root().join("templates/document.html"),
        "{% extends \"base.html\" %}{% block content %}<h1>{{ doc.title }}</h1><p id=\"edition\">second</p>{% endblock content %}",
    );
    eventually("the edited template is served", || {
        server.get("/documents/a/").page().texts("#edition") == ["second"]
    });
    assert_eq!(server.get("/documents/b/").page().one_text("#edition"), "second");
}

#[test]
fn a_burst_of_saves_is_one_rebuild() {
    let f = archive();
    let server = Server::start(&f);
    let mut documents = 2;
    // The promise holds for a burst whose second file comes within the
    // settling time of the first, and each later one within the quiet
    // time of the last (see `annals::serve::watch`): files put in place
    // one after another, as a checkout does. A test descheduled in the
    // middle of its burst tries again.
    for attempt in 0..5 {
        let paths: Vec<std::path::PathBuf> = (0..20)
            .map(|i| f.root().join(format!("content/burst-{attempt}-{i}.md")))
            .collect();
        let temporaries: Vec<std::path::PathBuf> = paths
            .iter()
            .map(|p| p.with_file_name(format!(".{}.swp", p.file_name().unwrap().to_string_lossy())))
            .collect();
        for (i, tmp) in temporaries.iter().enumerate() {
            let text = format!("+++\ntitle = \"Burst {attempt} {i}\"\ndate = 2022-01-01\n+++\nText.\n");
            std::fs::write(tmp, text).unwrap();
        }
        let mut saved = Instant::now();
        let mut gaps = Vec::new();
        for (tmp, path) in temporaries.iter().zip(&paths) {
            std::fs::rename(tmp, path).unwrap();
            gaps.push(saved.elapsed());
            saved = Instant::now();
        }
        let longest_gap = gaps[1..].iter().copied().max().unwrap_or_default();
        let one_burst = gaps[1] < annals::serve::watch::SETTLE && longest_gap < annals::serve::watch::QUIET;
        let first = server.process.wait_for(|l| l.starts_with("Rebuilt "));
        // One more save after that rebuild, to see whether another rebuild
        // for the burst comes before its own.
        save(
            &f.root().join(format!("content/after-{attempt}.md")),
            &format!("+++\ntitle = \"After {attempt}\"\ndate = 2022-01-01\n+++\nText.\n"),
        );
        let after = format!("Rebuilt {} documents", documents + 21);
        let mut rebuilds = vec![first];
        loop {
            let line = server.process.wait_for(|l| l.starts_with("Rebuilt "));
            rebuilds.push(line.clone());
            if line.starts_with(&after) {
                break;
            }
        }
        documents += 21;
        if !one_burst {
            continue;
        }
        assert_eq!(rebuilds.len(), 2, "one rebuild for the burst, one after: {rebuilds:#?}");
        assert!(
            rebuilds[0].starts_with(&format!("Rebuilt {} documents", documents - 1)),
            "the one rebuild has every file of the burst: {rebuilds:#?}"
        );
        return;
    }
    panic!("could not put 20 files in place close enough together in five attempts");
}

#[test]
fn a_file_written_in_two_steps_ends_as_the_whole_file() {
    let f = archive();
    let mut server = Server::start(&f);
    let mut events = server.events();
    let whole = "+++\ntitle = \"First Plan, Revised\"\ndate = 2020-01-01\n+++\nNew text.\n";
    let (first, rest) = whole.split_at(whole.find("Revised").unwrap());
    let mut file = std::fs::File::create(f.root().join("content/a.md")).unwrap();
    file.write_all(first.as_bytes()).unwrap();
    file.sync_all().unwrap();
    // A rebuild reads the file as it is now, with half its front matter.
    events.reload();
    assert!(server.get("/documents/a/").body.contains("id=\"annals-error\""));
    file.write_all(rest.as_bytes()).unwrap();
    drop(file);
    eventually("the whole file is served", || {
        let body = server.get("/documents/a/").body;
        title_of(&body) == "First Plan, Revised" && !body.contains("annals-error")
    });
    assert!(server.process.is_running());

    save(
        &f.root().join("content/a.md"),
        "+++\ntitle = \"First Plan, Final\"\ndate = 2020-01-01\n+++\nText.\n",
    );
    eventually("rebuilding goes on", || {
        title_of(&server.get("/documents/a/").body) == "First Plan, Final"
    });
}

#[test]
fn answers_never_mix_two_builds() {
    // Every page shows the site title, so a new title rewrites them all,
    // in order of their paths: 404.html first, the timeline near the end.
    let mut f = archive();
    for i in 0..200 {
        f = f.doc(
            &format!("doc-{i:03}"),
            &format!("title = \"Document {i}\"\ndate = 20{:02}-01-01", i % 25),
            "Text.",
        );
    }
    let server = Server::start(&f);
    let port = server.port;
    let edition = |path: &str| -> u32 {
        let title = send(port, "GET", path).page().one_text(".site-title");
        title.strip_prefix("Edition ").map_or(0, |n| n.parse().unwrap())
    };
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // Stops the reader however this thread leaves the scope.
        let _stop = StopOnDrop(&stop);
        let reader = scope.spawn(|| {
            let mut checks = 0;
            while !stop.load(Ordering::Relaxed) {
                let first = edition("/404.html");
                let last = edition("/timeline/");
                assert!(
                    last >= first,
                    "/404.html was from edition {first}, then /timeline/ from {last}"
                );
                checks += 1;
            }
            checks
        });
        for edition in 1..=5 {
            save(
                &f.root().join("config.toml"),
                &CONFIG.replace("Test Archive", &format!("Edition {edition}")),
            );
            server.process.wait_for(|l| l.starts_with("Rebuilt "));
        }
        drop(_stop);
        assert!(reader.join().unwrap() > 0);
    });
}

struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[test]
fn build_watch_rebuilds_the_output_on_every_change() {
    let f = archive();
    let watch = Process::spawn(&f, &["build", "--watch"]);
    watch.wait_for(|l| l.starts_with("Rebuilt "));
    let page = f.root().join("public/documents/a/index.html");
    assert_eq!(title_of(&std::fs::read_to_string(&page).unwrap()), "First Plan");
    save(
        &f.root().join("content/a.md"),
        "+++\ntitle = \"First Plan, Revised\"\ndate = 2020-01-01\n+++\nNew text.\n",
    );
    eventually("the output folder has the edit", || {
        std::fs::read_to_string(&page).is_ok_and(|html| title_of(&html) == "First Plan, Revised")
    });
    assert!(!std::fs::read_to_string(&page).unwrap().contains("__annals"));
}
