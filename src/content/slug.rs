//! Slugs: the URL segments of documents and taxonomy terms.
//!
//! Document slugs are chosen by maintainers and must be plain lowercase ASCII
//! (`[a-z0-9-]+`), so URLs stay readable and portable. Term slugs are derived
//! from term names, which may be Chinese: letters and digits of any script
//! are kept (lowercased), everything else becomes a hyphen, so `5G`, `Rule of
//! law` and `平安中国` become `5g`, `rule-of-law` and `平安中国`. Keeping slugs
//! distinct when two names fold to the same slug is the taxonomy's job.
//!
//! Every slug becomes the name of one folder of the output, so it must fit
//! in a file name: [`too_long`] is the check the loaders run on each slug,
//! taxonomy name and term where it is written, so that a name too long is
//! reported at its line instead of failing the write.

use crate::diag::Diagnostic;

/// The longest file name common file systems accept, in bytes (ext4, XFS,
/// Btrfs and APFS count UTF-8 bytes; NTFS allows 255 UTF-16 units, which
/// any name within this limit also fits).
pub const MAX_NAME_BYTES: usize = 255;

/// The error for a URL segment longer than a file name may be, or `None`
/// when it fits. `what` says what the segment comes from ("slug", "the URL
/// segment of this term"), `folder` the folder of the site it names (e.g.
/// `documents/<slug>/`) and `fix` what to do about it.
pub fn too_long(segment: &str, what: &str, folder: &str, fix: &str) -> Option<Diagnostic> {
    if segment.len() <= MAX_NAME_BYTES {
        return None;
    }
    let wide = if segment.is_ascii() {
        ""
    } else {
        " (a Chinese character takes 3 bytes, most other letters beyond ASCII 2)"
    };
    Some(
        Diagnostic::error(format!(
            "{what} is {} bytes long, too long for a file name",
            segment.len()
        ))
        .hint(format!(
            "it names the folder {folder} of the site, and common file systems take at most {MAX_NAME_BYTES} bytes per file name{wide}; {fix}"
        )),
    )
}

/// Whether `s` is a valid document slug: lowercase ASCII letters, digits and
/// single hyphens, not starting or ending with a hyphen.
pub fn is_valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// Derives a URL segment from any name, keeping letters and digits of every
/// script. Returns an empty string when the name has no letters or digits.
pub fn slugify(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_hyphen = false;
    for c in name.chars() {
        if c.is_alphanumeric() {
            if pending_hyphen && !out.is_empty() {
                out.push('-');
            }
            pending_hyphen = false;
            out.extend(c.to_lowercase());
        } else if c != '\'' && c != '’' {
            pending_hyphen = true;
        }
    }
    out
}

/// Hands out distinct slugs or anchors: `base`, or `base-2`, `base-3`...,
/// whichever is not taken yet. Remembers, for each base, the first suffix
/// not yet tried, so a text with ten thousand identical headings costs ten
/// thousand claims, not fifty million.
#[derive(Debug, Default)]
pub struct Unique {
    used: std::collections::HashSet<String>,
    next: std::collections::HashMap<String, usize>,
    /// Candidates tried so far: the work done, for tests.
    tries: usize,
}

impl Unique {
    /// The first of `base`, `base-2`, `base-3`... not claimed before; it is
    /// claimed now.
    pub fn claim(&mut self, base: String) -> String {
        self.tries += 1;
        if self.used.insert(base.clone()) {
            return base;
        }
        let n = self.next.entry(base.clone()).or_insert(2);
        loop {
            let candidate = format!("{base}-{n}");
            *n += 1;
            self.tries += 1;
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_distinct_and_smallest_first() {
        let mut unique = Unique::default();
        let claimed: Vec<String> = ["a", "a", "a-3", "a", "a", "b", "a"]
            .into_iter()
            .map(|s| unique.claim(s.to_string()))
            .collect();
        assert_eq!(claimed, ["a", "a-2", "a-3", "a-4", "a-5", "b", "a-6"]);
        // Ten thousand identical headings: linear work, not quadratic.
        let mut many = Unique::default();
        let last = (0..10_000).map(|_| many.claim("p".into())).last();
        assert_eq!(last.as_deref(), Some("p-10000"));
        assert!(many.tries < 20_001, "{} candidates tried", many.tries);
    }

    #[test]
    fn document_slugs_are_plain_ascii() {
        assert!(is_valid_slug("14th-fyp-national-informatization"));
        for bad in ["", "-a", "a-", "a--b", "A", "a b", "a/b", "..", "平安"] {
            assert!(!is_valid_slug(bad), "{bad:?} should be invalid");
        }
    }

    #[test]
    fn a_segment_fits_in_255_bytes() {
        let check = |s: &str| too_long(s, "slug", "documents/<slug>/", "shorten it");
        assert!(check(&"a".repeat(255)).is_none());
        let d = check(&"a".repeat(256)).expect("256 bytes is too long");
        assert_eq!(d.message, "slug is 256 bytes long, too long for a file name");
        // 85 Chinese characters are 255 bytes, 86 are 258.
        assert!(check(&"数".repeat(85)).is_none());
        let d = check(&"数".repeat(86)).expect("258 bytes is too long");
        assert!(d.message.contains("258 bytes"), "{}", d.message);
        assert!(d.hint.unwrap().contains("a Chinese character takes 3 bytes"));
    }

    #[test]
    fn term_slugs_keep_chinese_and_fold_the_rest() {
        assert_eq!(slugify("Rule of Law"), "rule-of-law");
        assert_eq!(slugify("5G"), "5g");
        assert_eq!(slugify("People's Daily"), "peoples-daily");
        assert_eq!(slugify("平安中国 (Safe China)"), "平安中国-safe-china");
        assert_eq!(slugify("  --  "), "");
    }
}
