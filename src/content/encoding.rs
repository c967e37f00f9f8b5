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

use encoding_rs::{DecoderResult, Encoding, UTF_8};

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The declared encoding is not one the Encoding Standard knows.
    UnknownLabel(String),
    /// Bytes at `offset` (from the start of the file) are not valid in
    /// `encoding`.
    Malformed { offset: usize, encoding: &'static str },
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::UnknownLabel(label) => write!(f, "unknown encoding `{label}`"),
            DecodeError::Malformed { offset, encoding } => {
                write!(f, "bytes that are not valid {encoding} at byte {offset}")
            }
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
    fn unknown_labels_and_line_endings() {
        assert_eq!(
            decode(b"x", Some("klingon")),
            Err(DecodeError::UnknownLabel("klingon".into()))
        );
        assert_eq!(decode(b"a\r\nb\rc\n", None).unwrap(), "a\nb\nc\n");
    }
}
