//! Dates written in a seed's text, for guessing when a document was issued.
//!
//! [`find`] recognises the ways policy texts write a date: ISO
//! (`2021-12-28`), English with the day first or the month first
//! (`28 December 2021`, `December 28, 2021`, `Dec. 28, 2021`), English month
//! and year (`December 2021`), and Chinese with Arabic, full-width or Chinese
//! numerals (`2021年12月28日`, `２０２１年１２月`, `二〇二一年十二月二十八日`).
//! Only dates of the calendar count, so `2021-02-30` is not one. Dates
//! without a year (`July 28`) are left alone: a scaffold must not invent one.
//!
//! [`most_plausible`] picks the date a maintainer most likely wants as the
//! document's `date`. It does not read the text's meaning; it prefers the
//! most precise date, then one standing on its own line (a dateline or a
//! signature), then the first.

use std::ops::Range;

use crate::content::date::{MONTHS, PartialDate};

/// A date written in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDate {
    pub date: PartialDate,
    /// Where it is written, in bytes.
    pub range: Range<usize>,
}

/// Every date written in `text`, in the order they appear.
pub fn find(text: &str) -> Vec<FoundDate> {
    let mut found = Vec::new();
    let mut resume = 0;
    let mut previous: Option<char> = None;
    for (at, c) in text.char_indices() {
        let date = if at >= resume {
            date_at(text, at, c, previous)
        } else {
            None
        };
        if let Some((date, end)) = date {
            found.push(FoundDate { date, range: at..end });
            resume = end;
        }
        previous = Some(c);
    }
    found
}

/// The index in `found` (dates of `text`, in order) of the date most likely
/// to be the document's: the most precise, then one that stands on its own
/// line, then the first.
pub fn most_plausible(text: &str, found: &[FoundDate]) -> Option<usize> {
    let precision = |d: &PartialDate| u8::from(d.month.is_some()) + u8::from(d.day.is_some());
    (0..found.len()).min_by_key(|&i| {
        let f = &found[i];
        (std::cmp::Reverse(precision(&f.date)), !stands_alone(text, &f.range), i)
    })
}

/// Whether the date is most of its line: a dateline or a signature.
fn stands_alone(text: &str, range: &Range<usize>) -> bool {
    let start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let end = text[range.end..].find('\n').map_or(text.len(), |i| range.end + i);
    let rest = text[start..range.start].trim().chars().count() + text[range.end..end].trim().chars().count();
    rest <= 12
}

/// The date starting at byte `at` (where `c` is), and where it ends.
fn date_at(text: &str, at: usize, c: char, previous: Option<char>) -> Option<(PartialDate, usize)> {
    let after_ascii_word = previous.is_some_and(|p| p.is_ascii_alphanumeric());
    let cursor = Cursor { text, pos: at };
    if c.is_ascii_digit() && !after_ascii_word {
        iso(&mut cursor.clone())
            .or_else(|| chinese_arabic(&mut cursor.clone()))
            .or_else(|| day_month_year(&mut cursor.clone()))
    } else if arabic_digit(c).is_some() && previous.is_none_or(|p| arabic_digit(p).is_none()) {
        chinese_arabic(&mut cursor.clone())
    } else if chinese_digit(c).is_some() && previous.is_none_or(|p| chinese_digit(p).is_none()) {
        chinese_numerals(&mut cursor.clone())
    } else if c.is_ascii_uppercase() && !after_ascii_word {
        month_first(&mut cursor.clone())
    } else {
        None
    }
}

/// `2021-12-28`.
fn iso(c: &mut Cursor) -> Option<(PartialDate, usize)> {
    let year = c.number(4, 4, ascii_digit)?;
    c.eat('-').then_some(())?;
    let month = c.number(2, 2, ascii_digit)?;
    c.eat('-').then_some(())?;
    let day = c.number(2, 2, ascii_digit)?;
    c.done(year, Some(month), Some(day))
}

/// `2021年12月28日` or `2021年12月`, in ASCII or full-width digits.
fn chinese_arabic(c: &mut Cursor) -> Option<(PartialDate, usize)> {
    let year = c.number(4, 4, arabic_digit)?;
    chinese_month_day(c, year, |c| c.number(1, 2, arabic_digit))
}

/// `二〇二一年十二月二十八日` or `二〇二一年十二月`.
fn chinese_numerals(c: &mut Cursor) -> Option<(PartialDate, usize)> {
    let year = c.number(4, 4, chinese_digit)?;
    chinese_month_day(c, year, |c| c.chinese_number())
}

/// What follows a Chinese year: `年12月28日` or `年12月` (`号` for `日` too).
fn chinese_month_day(
    c: &mut Cursor,
    year: u32,
    number: fn(&mut Cursor) -> Option<u32>,
) -> Option<(PartialDate, usize)> {
    c.spaces();
    c.eat('年').then_some(())?;
    c.spaces();
    let month = number(c)?;
    c.spaces();
    c.eat('月').then_some(())?;
    let month_end = c.pos;
    c.spaces();
    if let Some(day) = number(c).filter(|_| c.eat('日') || c.eat('号')) {
        return c.done(year, Some(month), Some(day));
    }
    c.pos = month_end;
    c.done(year, Some(month), None)
}

/// `28 December 2021`, `28th Dec. 2021`.
fn day_month_year(c: &mut Cursor) -> Option<(PartialDate, usize)> {
    let day = c.number(1, 2, ascii_digit)?;
    c.ordinal_suffix();
    (c.spaces() > 0).then_some(())?;
    let month = c.month()?;
    c.eat(',');
    (c.spaces() > 0).then_some(())?;
    let year = c.number(4, 4, ascii_digit)?;
    c.word_ends().then_some(())?;
    c.done(year, Some(month), Some(day))
}

/// `December 28, 2021`, `Dec. 28 2021` or `December 2021`.
fn month_first(c: &mut Cursor) -> Option<(PartialDate, usize)> {
    let month = c.month()?;
    (c.spaces() > 0).then_some(())?;
    let after_month = c.pos;
    if let Some(year) = c.number(4, 4, ascii_digit) {
        return c.word_ends().then(|| c.done(year, Some(month), None))?;
    }
    c.pos = after_month;
    let day = c.number(1, 2, ascii_digit)?;
    c.ordinal_suffix();
    let comma = c.eat(',');
    (c.spaces() > 0 || comma).then_some(())?;
    let year = c.number(4, 4, ascii_digit)?;
    c.word_ends().then_some(())?;
    c.done(year, Some(month), Some(day))
}

fn ascii_digit(c: char) -> Option<u32> {
    c.to_digit(10).filter(|_| c.is_ascii())
}

/// An ASCII or full-width Arabic digit.
fn arabic_digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

/// A Chinese digit as years are written: 二〇二一.
fn chinese_digit(c: char) -> Option<u32> {
    "〇一二三四五六七八九"
        .chars()
        .position(|d| d == c)
        .map(|d| d as u32)
        .or((c == '零').then_some(0))
}

/// Reads a text from a byte position.
#[derive(Clone)]
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn eat(&mut self, wanted: char) -> bool {
        let found = self.peek() == Some(wanted);
        if found {
            self.pos += wanted.len_utf8();
        }
        found
    }

    /// Skips spaces, tabs and non-breaking spaces (not line breaks), and
    /// says how many.
    fn spaces(&mut self) -> usize {
        let mut n = 0;
        while let Some(c) = self.peek().filter(|c| matches!(c, ' ' | '\t' | '\u{a0}' | '\u{3000}')) {
            self.pos += c.len_utf8();
            n += 1;
        }
        n
    }

    /// A number of `min` to `max` digits, not followed by another digit.
    fn number(&mut self, min: usize, max: usize, digit: fn(char) -> Option<u32>) -> Option<u32> {
        let mut value = 0;
        let mut count = 0;
        while let Some(d) = self.peek().and_then(digit) {
            count += 1;
            if count > max {
                return None;
            }
            value = value * 10 + d;
            self.pos += self.peek().map_or(0, char::len_utf8);
        }
        (count >= min).then_some(value)
    }

    /// A number from 1 to 99 in Chinese numerals: 九, 十, 十二, 二十, 三十一.
    fn chinese_number(&mut self) -> Option<u32> {
        let units = |c: &mut Cursor| {
            let d = c.peek().and_then(chinese_digit).filter(|&d| d > 0)?;
            c.pos += c.peek().map_or(0, char::len_utf8);
            Some(d)
        };
        let tens = units(self);
        if self.eat('十') {
            Some(tens.unwrap_or(1) * 10 + units(self).unwrap_or(0))
        } else {
            tens
        }
    }

    fn ordinal_suffix(&mut self) {
        for suffix in ["st", "nd", "rd", "th"] {
            if self.text[self.pos..].starts_with(suffix) {
                self.pos += 2;
                return;
            }
        }
    }

    /// An English month name or its abbreviation (`Dec`, `Dec.`, `Sept.`),
    /// capitalised, as a whole word.
    fn month(&mut self) -> Option<u32> {
        let rest = &self.text[self.pos..];
        let len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
        let word = &rest[..len];
        if !word.starts_with(|c: char| c.is_ascii_uppercase()) {
            return None;
        }
        let full = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(word));
        let short = MONTHS
            .iter()
            .position(|m| word.len() == 3 && m[..3].eq_ignore_ascii_case(word))
            .or_else(|| word.eq_ignore_ascii_case("sept").then_some(8));
        let month = full.or(short)? as u32 + 1;
        self.pos += len;
        if full.is_none() {
            self.eat('.');
        }
        Some(month)
    }

    /// Whether no letter or digit follows.
    fn word_ends(&self) -> bool {
        !self.peek().is_some_and(|c| c.is_ascii_alphanumeric())
    }

    fn done(&self, year: u32, month: Option<u32>, day: Option<u32>) -> Option<(PartialDate, usize)> {
        let year = i32::try_from(year).ok().filter(|y| (1000..=9999).contains(y))?;
        PartialDate::new(year, month, day).map(|d| (d, self.pos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(text: &str) -> Vec<(String, &str)> {
        find(text).into_iter().map(|f| (f.date.iso(), &text[f.range])).collect()
    }

    #[test]
    fn finds_every_written_form() {
        let text = "Issued 2021-12-28. On 28 December 2021 and December 28, 2021, \
                    also Dec. 28 2021, 1st July 2021, Sept. 3, 2020 and in March 2022; \
                    印发于2021年12月28日，2022年1月施行，２０２１年１２月２８日，二〇二一年十二月二十八日。";
        assert_eq!(
            dates(text),
            vec![
                ("2021-12-28".into(), "2021-12-28"),
                ("2021-12-28".into(), "28 December 2021"),
                ("2021-12-28".into(), "December 28, 2021"),
                ("2021-12-28".into(), "Dec. 28 2021"),
                ("2021-07-01".into(), "1st July 2021"),
                ("2020-09-03".into(), "Sept. 3, 2020"),
                ("2022-03".into(), "March 2022"),
                ("2021-12-28".into(), "2021年12月28日"),
                ("2022-01".into(), "2022年1月"),
                ("2021-12-28".into(), "２０２１年１２月２８日"),
                ("2021-12-28".into(), "二〇二一年十二月二十八日"),
            ]
        );
    }

    #[test]
    fn leaves_out_what_is_not_a_date_of_the_calendar() {
        let text = "2021-02-30, 12021-12-28, 2021-12-281, December 2021s, \
                    July 28, may 2021, Maybe 2021, 2021-2025, 13月, 2021年13月, x2021-12-28";
        assert_eq!(dates(text), vec![]);
        assert_eq!(
            dates("32 December 2021"),
            vec![("2021-12".into(), "December 2021")],
            "no 32nd day, but the month stands"
        );
    }

    #[test]
    fn prefers_precise_then_standing_alone_then_first() {
        let pick = |text: &str| {
            let found = find(text);
            most_plausible(text, &found).map(|i| text[found[i].range.clone()].to_string())
        };
        assert_eq!(
            pick("Plan – December 2021\nOn 1 July 2021 the Party...\n28 December 2021\n"),
            Some("28 December 2021".into())
        );
        assert_eq!(
            pick("Report of 2 May 2020, following 3 June 2019."),
            Some("2 May 2020".into())
        );
        assert_eq!(pick("Dated March 2020 and 2021年4月."), Some("March 2020".into()));
        assert_eq!(pick("No date here, July 28."), None);
    }
}
