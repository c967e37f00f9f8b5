//! Integration tests: fixture archives built by the real binary, output
//! checked by parsing the HTML.

mod support;

mod citations;
mod confinement;
mod data;
mod determinism;
mod diagnostics;
mod encodings;
mod errors;
mod exit_codes;
mod hostile;
mod incremental;
mod links;
mod lists;
mod pages;
mod reading;
mod rebuild;
mod related;
mod safety;
mod scaffold;
mod search;
mod serve;
mod shipped;
mod stray_text;
mod swap;
mod syndication;
mod themes;
