//! Partial dates: a document may be dated to the day, the month or the year.
//!
//! Official texts are often known only as "December 2021" or "2021"; a
//! timeline must place them without inventing a day. [`PartialDate`] keeps
//! the precision the maintainer gave and orders dates so that a less precise
//! date sorts before a more precise one within the same period.

use std::fmt;

pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A calendar date known to the year, month or day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<PartialDate, String> {
        let parts: Vec<&str> = s.split('-').collect();
        let number = |p: &str, digits: usize, what: &str| -> Result<u32, String> {
            if p.len() == digits && p.bytes().all(|b| b.is_ascii_digit()) {
                Ok(p.parse().expect("ascii digits"))
            } else {
                Err(format!("`{s}` has an invalid {what}"))
            }
        };
        if parts.is_empty() || parts.len() > 3 {
            return Err(format!("`{s}` is not a date"));
        }
        let year = number(parts[0], 4, "year")? as i32;
        let month = parts.get(1).map(|p| number(p, 2, "month")).transpose()?;
        let day = parts.get(2).map(|p| number(p, 2, "day")).transpose()?;
        if month.is_some_and(|m| !(1..=12).contains(&m)) {
            return Err(format!("`{s}` has no month {:02}", month.unwrap_or_default()));
        }
        PartialDate::new(year, month, day).ok_or_else(|| format!("`{s}` is not a day of the calendar"))
    }

    /// Builds a date, checking the month and the day against the calendar.
    pub fn new(year: i32, month: Option<u32>, day: Option<u32>) -> Option<PartialDate> {
        let month = match month {
            Some(m @ 1..=12) => Some(m as u8),
            Some(_) => return None,
            None => None,
        };
        let day = match (month, day) {
            (Some(m), Some(d)) if d >= 1 && d <= days_in_month(year, m) => Some(d as u8),
            (_, Some(_)) => return None,
            (_, None) => None,
        };
        Some(PartialDate { year, month, day })
    }

    /// ISO form with the known precision: `2021`, `2021-12` or `2021-12-28`.
    pub fn iso(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{:04}-{m:02}-{d:02}", self.year),
            (Some(m), None) => format!("{:04}-{m:02}", self.year),
            _ => format!("{:04}", self.year),
        }
    }

    /// The month's English name, if known.
    pub fn month_name(&self) -> Option<&'static str> {
        self.month.map(|m| MONTHS[m as usize - 1])
    }
}

impl fmt::Display for PartialDate {
    /// Human form: `28 December 2021`, `December 2021` or `2021`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.month_name(), self.day) {
            (Some(m), Some(d)) => write!(f, "{d} {m} {}", self.year),
            (Some(m), None) => write!(f, "{m} {}", self.year),
            _ => write!(f, "{}", self.year),
        }
    }
}

fn days_in_month(year: i32, month: u8) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_precision() {
        assert_eq!(PartialDate::parse("2021").unwrap().iso(), "2021");
        assert_eq!(PartialDate::parse("2021-12").unwrap().to_string(), "December 2021");
        assert_eq!(
            PartialDate::parse("2024-02-29").unwrap().to_string(),
            "29 February 2024"
        );
    }

    #[test]
    fn rejects_impossible_dates() {
        for bad in ["21", "2021-13", "2023-02-29", "2021-1", "2021-01-01-01", "abcd"] {
            assert!(PartialDate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn less_precise_sorts_first_within_its_period() {
        let year = PartialDate::parse("2021").unwrap();
        let month = PartialDate::parse("2021-12").unwrap();
        let day = PartialDate::parse("2021-12-01").unwrap();
        assert!(year < month && month < day);
        assert!(day < PartialDate::parse("2022").unwrap());
    }
}
