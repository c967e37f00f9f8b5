//! The input/output floor of a build: the least a program can do to read
//! an archive's inputs and write a given site.
//!
//! `io_floor <archive> <site> <out>` first loads every file of `<site>` (an
//! output tree annals built from `<archive>`) into memory, untimed. Then,
//! timed, it reads every file under `<archive>/content` and
//! `<archive>/seeds` and writes the site's files, the same paths and the
//! same bytes, into the new folder `<out>`: the reads and the writes a
//! build cannot avoid, and nothing else. Both halves run on all cores, as
//! annals does. It prints the timed part's seconds as JSON.
//!
//! `benches/build_vs_hugo.py` builds it (`cargo build --release --example
//! io_floor`) and reports how far annals is from it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

fn files_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("the tree can be walked"))
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect()
}

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [archive, site, out] = args.as_slice() else {
        eprintln!("usage: io_floor <archive> <site> <out>");
        std::process::exit(2);
    };
    assert!(!out.exists(), "{} exists; give a new folder", out.display());

    // Untimed: the bytes to write, by path inside the site.
    let pages: Vec<(PathBuf, Vec<u8>)> = files_under(site)
        .into_par_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).expect("the site can be read");
            (path.strip_prefix(site).expect("below the site").to_path_buf(), bytes)
        })
        .collect();
    let mut dirs: Vec<PathBuf> = pages
        .iter()
        .flat_map(|(p, _)| p.ancestors().skip(1))
        .filter(|d| !d.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .collect();
    dirs.sort();
    dirs.dedup();

    let started = Instant::now();
    let mut inputs = files_under(&archive.join("content"));
    inputs.extend(files_under(&archive.join("seeds")));
    let read: usize = inputs
        .par_iter()
        .map(|path| std::fs::read(path).expect("the archive can be read").len())
        .sum();
    // Folders first, each once, a level at a time so that parents exist;
    // then the files.
    std::fs::create_dir(out).expect("the output folder can be created");
    let depth = |d: &PathBuf| d.components().count();
    for level in 1..=dirs.iter().map(depth).max().unwrap_or(0) {
        dirs.par_iter().filter(|d| depth(d) == level).for_each(|dir| {
            std::fs::create_dir(out.join(dir)).expect("folders can be created");
        });
    }
    pages.par_iter().for_each(|(path, bytes)| {
        std::fs::write(out.join(path), bytes).expect("files can be written");
    });
    let seconds = started.elapsed().as_secs_f64();
    let written: usize = pages.iter().map(|(_, b)| b.len()).sum();
    println!(
        "{{\"seconds\": {seconds:.4}, \"files_read\": {}, \"bytes_read\": {read}, \"files_written\": {}, \"bytes_written\": {written}}}",
        inputs.len(),
        pages.len()
    );
}
