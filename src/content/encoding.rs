//! Text encodings: turning the bytes of seeds and content files into text.
//!
//! Originals come from many places. A file that starts with a byte order
//! mark is decoded as the mark says (UTF-8, UTF-16LE or UTF-16BE); any other
//! file is UTF-8, unless its document declares another encoding with
//! `encoding = "gb18030"` (any label of the WHATWG Encoding Standard:
//! `gbk`, `big5`, `shift_jis`, `windows-1252`...). Decoding never guesses
//! and never replaces: a byte sequence the encoding cannot decode is an
//! error at its offset in the file. Line endings (CRLF, CR) become LF, so
//! seeds from any system parse the same.
//!
//! Two kinds of text could never be right and are caught here. A file
//! without a byte order mark whose every other byte is zero is UTF-16 read
//! as UTF-8 ([`DecodeError::Utf16WithoutMark`]): an error with the fix. And
//! control characters other than tab, line feed, carriage return and form
//! feed (NUL, escape, C1 controls) have no place in a page: [`strays`] finds
//! them, so that the loader can report them and leave them out.

use encoding_rs::{DecoderResult, Encoding, UTF_8};

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The declared encoding is not one the Encoding Standard knows.
    UnknownLabel(String),
    /// Bytes at `offset` (from the start of the file) are not valid in
    /// `encoding`.
    Malformed { offset: usize, encoding: &'static str },
    /// No byte order mark and no declared encoding, but every other byte
    /// is zero: UTF-16, little-endian when the zeros come second.
    Utf16WithoutMark { little_endian: bool },
}

impl DecodeError {
    /// The label of the encoding the bytes seem to be in, when that is
    /// known.
    pub fn likely_encoding(&self) -> Option<&'static str> {
        match self {
            DecodeError::Utf16WithoutMark { little_endian: true } => Some("utf-16le"),
            DecodeError::Utf16WithoutMark { little_endian: false } => Some("utf-16be"),
            _ => None,
        }
    }
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::UnknownLabel(label) => write!(f, "unknown encoding `{label}`"),
            DecodeError::Malformed { offset, encoding } => {
                write!(f, "bytes that are not valid {encoding} at byte {offset}")
            }
            DecodeError::Utf16WithoutMark { .. } => write!(
                f,
                "a zero byte after or before every character, as UTF-16 text without a byte order mark has"
            ),
        }
    }
}

/// The encoding `label` names, if any.
pub fn by_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

/// Decodes `bytes`: as its byte order mark says if it has one, else as
/// `declared`, else as UTF-8. Line endings become LF.
pub fn decode(bytes: &[u8], declared: Option<&str>) -> Result<String, DecodeError> {
    let declared = match declared {
        Some(label) => Some(by_label(label).ok_or_else(|| DecodeError::UnknownLabel(label.to_string()))?),
        None => None,
    };
    let (encoding, bom) = match Encoding::for_bom(bytes) {
        Some((encoding, bom)) => (encoding, bom),
        None => (declared.unwrap_or(UTF_8), 0),
    };
    if bom == 0 && declared.is_none() {
        if let Some(little_endian) = utf16_without_mark(bytes) {
            return Err(DecodeError::Utf16WithoutMark { little_endian });
        }
    }
    let text = decode_strict(encoding, &bytes[bom..]).map_err(|offset| DecodeError::Malformed {
        offset: bom + offset,
        encoding: encoding.name(),
    })?;
    Ok(normalize_newlines(text))
}

/// Decodes without a BOM and without replacement; on failure, the offset
/// of the first byte of the malformed sequence.
fn decode_strict(encoding: &'static Encoding, bytes: &[u8]) -> Result<String, usize> {
    if encoding == UTF_8 {
        return std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|e| e.valid_up_to());
    }
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len() * 3);
    let mut out = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        DecoderResult::InputEmpty => Ok(out),
        // `read` counts the malformed bytes and any bytes after them that
        // the decoder already consumed.
        DecoderResult::Malformed(bad, after) => Err(read - bad as usize - after as usize),
        DecoderResult::OutputFull => unreachable!("the buffer holds the worst case"),
    }
}

/// Whether bytes without a byte order mark look like UTF-16: in their first
/// 4 KiB, at least one byte in ten is zero, and nine zeros in ten sit on
/// the same side of their pair (odd offsets: little-endian). Text in any
/// 8-bit encoding or UTF-8 has no zero bytes at all.
fn utf16_without_mark(bytes: &[u8]) -> Option<bool> {
    let sample = &bytes[..bytes.len().min(4096)];
    // Almost every file has no zero byte at all: one vectorised search.
    memchr::memchr(0, sample)?;
    let (mut even, mut odd) = (0usize, 0usize);
    for (i, _) in sample.iter().enumerate().filter(|(_, b)| **b == 0) {
        if i % 2 == 0 {
            even += 1;
        } else {
            odd += 1;
        }
    }
    let zeros = even + odd;
    if zeros == 0 || zeros * 10 < sample.len() {
        return None;
    }
    if odd * 10 >= zeros * 9 {
        Some(true)
    } else if even * 10 >= zeros * 9 {
        Some(false)
    } else {
        None
    }
}

/// A character that has no place in a page's text: a C0 control other
/// than tab, line feed, form feed and carriage return; DEL; a C1 control.
pub fn is_stray(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0B' | '\x0E'..='\x1F' | '\x7F'..='\u{9F}')
}

/// The byte offsets of the stray characters in `text` ([`is_stray`]).
/// Checks 64 bytes at a time for a byte that may start one, so that text
/// without any costs one quick pass.
pub fn strays(text: &str) -> Vec<usize> {
    // Bytes below 0x20 other than the white space allowed, DEL, and 0xC2,
    // which starts U+0080 to U+00BF in UTF-8 (C1 controls among them).
    // Written without branches, so that the compiler checks many bytes at
    // once.
    fn may_start(b: u8) -> bool {
        let control = (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != 0x0C) & (b != b'\r');
        control | (b == 0x7F) | (b == 0xC2)
    }
    let mut found = Vec::new();
    let mut look = |start: usize, chunk: &[u8]| {
        for (i, &b) in chunk.iter().enumerate() {
            let at = start + i;
            if may_start(b) && text.is_char_boundary(at) && text[at..].chars().next().is_some_and(is_stray) {
                found.push(at);
            }
        }
    };
    let mut chunks = text.as_bytes().chunks_exact(64);
    for (n, chunk) in chunks.by_ref().enumerate() {
        // A chunk of known length: the compiler checks it in a few wide steps.
        let chunk: &[u8; 64] = chunk.try_into().expect("chunks of 64");
        if chunk.iter().fold(0u8, |any, &b| any | u8::from(may_start(b))) != 0 {
            look(n * 64, chunk);
        }
    }
    let rest = chunks.remainder();
    look(text.len() - rest.len(), rest);
    found
}

/// `text` without the characters at `offsets` (from [`strays`]).
pub fn without(text: &str, offsets: &[usize]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for &at in offsets {
        out.push_str(&text[from..at]);
        from = at + text[at..].chars().next().map_or(1, char::len_utf8);
    }
    out.push_str(&text[from..]);
    out
}

/// CRLF and lone CR become LF.
fn normalize_newlines(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode("规划\n".as_bytes(), None).unwrap(), "规划\n");
        assert_eq!(decode(b"\xef\xbb\xbfPlan", None).unwrap(), "Plan");
    }

    #[test]
    fn utf16_by_its_byte_order_mark() {
        let le: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("规划 A".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xfe, 0xff]
            .into_iter()
            .chain("规划 A".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(&le, None).unwrap(), "规划 A");
        assert_eq!(decode(&be, Some("gb18030")).unwrap(), "规划 A", "the mark wins");
    }

    #[test]
    fn gb18030_when_declared() {
        // 规划 in GB18030 (and GBK).
        let bytes = b"\xb9\xe6\xbb\xae 2021";
        assert_eq!(decode(bytes, Some("gb18030")).unwrap(), "规划 2021");
        assert_eq!(decode(bytes, Some("GBK")).unwrap(), "规划 2021");
        assert!(matches!(
            decode(bytes, None),
            Err(DecodeError::Malformed {
                offset: 0,
                encoding: "UTF-8"
            })
        ));
    }

    #[test]
    fn malformed_bytes_are_reported_at_their_offset() {
        assert_eq!(
            decode(b"ok\n\xff rest", None),
            Err(DecodeError::Malformed {
                offset: 3,
                encoding: "UTF-8"
            })
        );
        assert_eq!(
            decode(b"\xef\xbb\xbfok\xff", None),
            Err(DecodeError::Malformed {
                offset: 5,
                encoding: "UTF-8"
            })
        );
        // 0xFF is not a GB18030 lead byte.
        assert_eq!(
            decode(b"\xb9\xe6ab\xff", Some("gb18030")),
            Err(DecodeError::Malformed {
                offset: 4,
                encoding: "gb18030"
            })
        );
    }

    #[test]
    fn utf16_without_a_mark_is_caught_not_read_as_utf8() {
        let le: Vec<u8> = "Plan for 2021\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = "Plan for 2021\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(
            decode(&le, None),
            Err(DecodeError::Utf16WithoutMark { little_endian: true })
        );
        assert_eq!(
            decode(&be, None),
            Err(DecodeError::Utf16WithoutMark { little_endian: false })
        );
        assert_eq!(
            decode(&le, Some("utf-16le")).unwrap(),
            "Plan for 2021\n",
            "declared, it decodes"
        );
        // A stray zero or two in a long text is not UTF-16.
        let mostly = format!("{}\0{}", "text ".repeat(100), "more ".repeat(100));
        assert!(decode(mostly.as_bytes(), None).is_ok());
    }

    #[test]
    fn stray_control_characters_are_found_and_left_out() {
        let text = "a\0b\tc\x1b[31md\u{85}e\u{a0}f\x0cg\u{7f}";
        let found = strays(text);
        let chars: Vec<char> = found.iter().map(|&at| text[at..].chars().next().unwrap()).collect();
        assert_eq!(chars, ['\0', '\x1b', '\u{85}', '\u{7f}']);
        assert_eq!(without(text, &found), "ab\tc[31mde\u{a0}f\x0cg");
        let long = format!("{}\x07{}", "x".repeat(130), "y".repeat(70));
        assert_eq!(strays(&long), [130], "found in any chunk");
        assert!(strays("规划\n\tplain — text «quoted» 1°\r\n").is_empty());
    }

    #[test]
    fn unknown_labels_and_line_endings() {
        assert_eq!(
            decode(b"x", Some("klingon")),
            Err(DecodeError::UnknownLabel("klingon".into()))
        );
        assert_eq!(decode(b"a\r\nb\rc\n", None).unwrap(), "a\nb\nc\n");
    }
}
