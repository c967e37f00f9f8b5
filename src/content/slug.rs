//! Slugs: the URL segments of documents and taxonomy terms.
//!
//! Document slugs are chosen by maintainers and must be plain lowercase ASCII
//! (`[a-z0-9-]+`), so URLs stay readable and portable. Term slugs are derived
//! from term names, which may be Chinese: letters and digits of any script
//! are kept (lowercased), everything else becomes a hyphen, so `5G`, `Rule of
//! law` and `平安中国` become `5g`, `rule-of-law` and `平安中国`. Keeping slugs
//! distinct when two names fold to the same slug is the taxonomy's job.

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

/// `base`, or `base-2`, `base-3`... whichever `used` does not hold yet;
/// the result is added to `used`. Keeps anchors and slugs distinct.
pub fn unique(base: String, used: &mut std::collections::HashSet<String>) -> String {
    let mut candidate = base.clone();
    let mut n = 2;
    while !used.insert(candidate.clone()) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_slugs_are_plain_ascii() {
        assert!(is_valid_slug("14th-fyp-national-informatization"));
        for bad in ["", "-a", "a-", "a--b", "A", "a b", "a/b", "..", "平安"] {
            assert!(!is_valid_slug(bad), "{bad:?} should be invalid");
        }
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
