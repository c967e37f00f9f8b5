//! Seeds in other encodings and with other line endings decode to the same
//! text; bytes that do not decode are an error at their offset.

use crate::support::Fixture;

const TEXT: &str = "I. 总体要求\n\n推进新型工业化。Digital economy.\n\nSecond paragraph.\n";

fn seeded(seed: &[u8], extra: &str) -> Fixture {
    Fixture::new()
        .bytes("seeds/a.txt", seed)
        .doc("a", &format!("title = \"A\"\nseed = \"seeds/a.txt\"\n{extra}"), "")
}

/// The paragraphs of document `a`'s text as built.
fn paragraphs(f: &Fixture) -> Vec<String> {
    f.build().page("documents/a/").texts(".text p")
}

fn reference() -> Vec<String> {
    let p = paragraphs(&seeded(TEXT.as_bytes(), ""));
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(p[0].contains("总体要求") && p[1].contains("推进新型工业化"), "{p:?}");
    p
}

#[test]
fn utf8_with_a_byte_order_mark() {
    let with_bom = [b"\xef\xbb\xbf".as_slice(), TEXT.as_bytes()].concat();
    assert_eq!(paragraphs(&seeded(&with_bom, "")), reference());
}

#[test]
fn utf16_with_a_byte_order_mark() {
    let le: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(TEXT.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let be: Vec<u8> = [0xfe, 0xff]
        .into_iter()
        .chain(TEXT.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    assert_eq!(paragraphs(&seeded(&le, "")), reference());
    assert_eq!(paragraphs(&seeded(&be, "")), reference());
}

#[test]
fn gb18030_and_gbk_when_declared() {
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(TEXT);
    assert!(!unmappable);
    assert_eq!(paragraphs(&seeded(&gb, "encoding = \"gb18030\"")), reference());
    assert_eq!(paragraphs(&seeded(&gb, "encoding = \"GBK\"")), reference());
}

#[test]
fn crlf_and_cr_line_endings() {
    let crlf = TEXT.replace('\n', "\r\n");
    let cr = TEXT.replace('\n', "\r");
    assert_eq!(paragraphs(&seeded(crlf.as_bytes(), "")), reference());
    assert_eq!(paragraphs(&seeded(cr.as_bytes(), "")), reference());
}

#[test]
fn undecodable_bytes_name_the_file_and_offset() {
    let err = seeded(b"Fine text.\n\xff\xfe? no: \x80 here\n", "").build_err();
    assert!(
        err.contains("seed `seeds/a.txt` has bytes that are not valid UTF-8 at byte 11"),
        "{err}"
    );
    assert!(err.contains("content/a.md:3:8"), "{err}");
    // GB18030 bytes without a declaration: the hint says how to declare it.
    let (gb, _, _) = encoding_rs::GB18030.encode(TEXT);
    let err = seeded(&gb, "").build_err();
    assert!(err.contains("encoding = \"gb18030\""), "{err}");
}

#[test]
fn bytes_invalid_in_the_declared_encoding() {
    let err = seeded(b"\xb9\xe6ab\xff", "encoding = \"gb18030\"").build_err();
    assert!(err.contains("not valid gb18030 at byte 4"), "{err}");
}

#[test]
fn unknown_encoding_label() {
    let err = seeded(TEXT.as_bytes(), "encoding = \"klingon\"").build_err();
    assert!(err.contains("error: unknown encoding `klingon`"), "{err}");
    assert!(err.contains("content/a.md:4:12"), "{err}");
}

#[test]
fn content_files_with_crlf_and_a_byte_order_mark() {
    let text = "\u{feff}+++\r\ntitle = \"B\"\r\ndate = 2021-12-28\r\n+++\r\nBody *text*.\r\n";
    let site = Fixture::new().file("content/b.md", text).build();
    let page = site.page("documents/b/");
    assert_eq!(page.texts("h1"), ["B"]);
    assert!(page.text.contains("<em>text</em>"), "{}", page.text);
}

/// Traditional Chinese, which Big5 encodes.
const TRADITIONAL: &str = "I. 總體要求\n\n推進新型工業化。Digital economy.\n\nSecond paragraph.\n";

#[test]
fn big5_when_declared() {
    let (big5, _, unmappable) = encoding_rs::BIG5.encode(TRADITIONAL);
    assert!(!unmappable);
    assert_ne!(&big5[..], TRADITIONAL.as_bytes(), "the seed is not UTF-8");
    let original = paragraphs(&seeded(TRADITIONAL.as_bytes(), ""));
    assert_eq!(original.len(), 3, "{original:?}");
    assert!(original[1].contains("推進新型工業化"), "{original:?}");
    assert_eq!(paragraphs(&seeded(&big5, "encoding = \"big5\"")), original);
    assert_eq!(paragraphs(&seeded(&big5, "encoding = \"Big5-HKSCS\"")), original);
}

/// `text` as UTF-16 with a byte order mark, little-endian or big-endian.
fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let units = std::iter::once(0xfeff).chain(text.encode_utf16());
    if little_endian {
        units.flat_map(u16::to_le_bytes).collect()
    } else {
        units.flat_map(u16::to_be_bytes).collect()
    }
}

#[test]
fn content_files_in_utf16_with_a_byte_order_mark() {
    let text =
        "+++\ntitle = \"规划 Plan\"\ndate = 2021-12-28\n[taxonomies]\ntopics = [\"平安中国\"]\n+++\nBody *text*.\n";
    for little_endian in [true, false] {
        let site = Fixture::new()
            .bytes("content/b.md", &utf16(text, little_endian))
            .build();
        let page = site.page("documents/b/");
        assert_eq!(page.texts("h1"), ["规划 Plan"], "little-endian: {little_endian}");
        assert_eq!(page.attrs(".doc-header time", "datetime"), ["2021-12-28"]);
        assert_eq!(page.texts(".text em"), ["text"]);
        assert_eq!(site.page("topics/平安中国/").texts(".doc-title"), ["规划 Plan"]);
    }
    // A mistake in such a file is reported at its line, with the line quoted.
    let broken = text.replace("date = 2021-12-28", "date = \"2021-13\"");
    for little_endian in [true, false] {
        let err = Fixture::new()
            .bytes("content/b.md", &utf16(&broken, little_endian))
            .build_err();
        assert!(err.contains("--> content/b.md:3:8"), "{err}");
        assert!(err.contains("3 | date = \"2021-13\""), "{err}");
    }
}
