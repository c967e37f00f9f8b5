//! The timeline's chart: documents per year as bars, laid out here so that
//! templates only place what they are given.
//!
//! The chart is drawn at its own size in pixels, never stretched: each year
//! takes a slot between 12 and 48 pixels wide, so one year is one bar and
//! forty years fit a desktop page; a page narrower than the chart scrolls
//! it sideways rather than shrinking its text. Years are labelled under
//! the axis, every year when there is room and otherwise every second,
//! fifth or tenth, and every bar has its count written above it (turned
//! upright when the number is wider than the bar's slot). The chart is a
//! picture with a text alternative; the links to the years are in the
//! list beside it, not in the picture.

use tera::Value;

use super::views::map;

/// How wide the chart aims to be, in pixels.
const TARGET_WIDTH: usize = 960;
const MIN_SLOT: usize = 12;
const MAX_SLOT: usize = 48;
/// Height of the tallest bar.
const BAR_AREA: usize = 120;
/// Room on each side, for the first and last labels.
const MARGIN: usize = 16;
/// Width of a year label ("2021" in the chart's 12-pixel type) with room
/// around it.
const LABEL_ROOM: usize = 36;
/// Width of a digit of a count in the chart's 11-pixel type, rounded up.
const DIGIT: usize = 7;
/// Label intervals, in years.
const STEPS: [usize; 8] = [1, 2, 5, 10, 20, 50, 100, 200];

/// The chart of `years`: (year, documents), in any order.
pub fn chart(years: &[(i32, usize)]) -> Value {
    let (Some(first), Some(last)) = (years.iter().map(|y| y.0).min(), years.iter().map(|y| y.0).max()) else {
        return map([("bars", Vec::<Value>::new().into())]);
    };
    let span = (last - first) as usize + 1;
    let slot = (TARGET_WIDTH / span).clamp(MIN_SLOT, MAX_SLOT);
    let bar = slot * 2 / 3;
    let busiest = years.iter().max_by_key(|y| (y.1, -y.0)).copied().unwrap_or((first, 0));
    let digits = busiest.1.max(1).to_string().len();
    let upright = digits * DIGIT + 2 > slot;
    let top = if upright { digits * DIGIT + 8 } else { 16 };
    let axis = top + BAR_AREA;
    let centre = |year: i32| MARGIN + (year - first) as usize * slot + slot / 2;
    let mut ordered = years.to_vec();
    ordered.sort_unstable();
    let bars: Vec<Value> = ordered
        .iter()
        .map(|&(year, count)| {
            let height = ((count as f64 / busiest.1.max(1) as f64) * BAR_AREA as f64)
                .round()
                .max(1.0) as usize;
            let x = centre(year);
            map([
                ("year", year.into()),
                ("count", count.into()),
                ("x", (x - bar / 2).into()),
                ("y", (axis - height).into()),
                ("width", bar.into()),
                ("height", height.into()),
                ("label_x", x.into()),
                ("label_y", (axis - height - 4).into()),
            ])
        })
        .collect();
    let step = STEPS
        .into_iter()
        .find(|s| s * slot >= LABEL_ROOM)
        .unwrap_or(STEPS[STEPS.len() - 1]);
    let labels: Vec<Value> = (first..=last)
        .filter(|y| y.rem_euclid(step as i32) == 0 || step == 1)
        .map(|y| map([("year", y.into()), ("x", centre(y).into())]))
        .collect();
    map([
        ("width", (2 * MARGIN + span * slot).into()),
        ("height", (axis + 22).into()),
        ("axis_y", axis.into()),
        ("label_y", (axis + 16).into()),
        ("upright_counts", upright.into()),
        ("first", first.into()),
        ("last", last.into()),
        (
            "busiest",
            map([("year", busiest.0.into()), ("count", busiest.1.into())]),
        ),
        ("bars", bars.into()),
        ("labels", labels.into()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(v: &Value, key: &'static str) -> Value {
        v.as_map().unwrap().get(&key.into()).unwrap().clone()
    }

    fn num(v: &Value, key: &'static str) -> i64 {
        get(v, key).as_i64().unwrap()
    }

    fn items(v: &Value, key: &'static str) -> Vec<Value> {
        get(v, key).as_array().unwrap().to_vec()
    }

    #[test]
    fn one_year_is_one_labelled_bar_at_its_own_size() {
        let c = chart(&[(2021, 5)]);
        assert_eq!(num(&c, "width"), (2 * MARGIN + MAX_SLOT) as i64);
        let bars = items(&c, "bars");
        assert_eq!(bars.len(), 1);
        assert_eq!(num(&bars[0], "height"), BAR_AREA as i64);
        assert_eq!(num(&bars[0], "width"), 32);
        let labels: Vec<i64> = items(&c, "labels").iter().map(|l| num(l, "year")).collect();
        assert_eq!(labels, [2021]);
        assert!(!get(&c, "upright_counts").as_bool().unwrap());
    }

    #[test]
    fn forty_years_fit_the_width_with_labels_that_do_not_touch() {
        let years: Vec<(i32, usize)> = (1985..2025).map(|y| (y, (y as usize % 7) * 500 + 1)).collect();
        let c = chart(&years);
        assert!(num(&c, "width") <= (TARGET_WIDTH + 2 * MARGIN) as i64);
        let xs: Vec<i64> = items(&c, "labels").iter().map(|l| num(l, "x")).collect();
        assert!(xs.len() >= 4, "{xs:?}");
        assert!(xs.windows(2).all(|w| w[1] - w[0] >= LABEL_ROOM as i64), "{xs:?}");
        // Four-digit counts are wider than a 24-pixel slot: upright.
        assert!(get(&c, "upright_counts").as_bool().unwrap());
        // Every bar stays inside the picture, above the axis.
        let axis = num(&c, "axis_y");
        for b in items(&c, "bars") {
            assert!(num(&b, "y") >= num(&c, "axis_y") - BAR_AREA as i64);
            assert_eq!(num(&b, "y") + num(&b, "height"), axis);
            assert!(num(&b, "x") >= 0 && num(&b, "x") + num(&b, "width") <= num(&c, "width"));
            assert!(num(&b, "label_y") > 0);
        }
    }

    #[test]
    fn bars_keep_their_proportions_and_gaps_keep_their_years() {
        let c = chart(&[(2000, 10), (2010, 5), (2001, 1)]);
        let bars = items(&c, "bars");
        let years: Vec<i64> = bars.iter().map(|b| num(b, "year")).collect();
        assert_eq!(years, [2000, 2001, 2010]);
        let heights: Vec<i64> = bars.iter().map(|b| num(b, "height")).collect();
        assert_eq!(heights, [120, 12, 60]);
        let slot = num(&bars[1], "label_x") - num(&bars[0], "label_x");
        assert_eq!(num(&bars[2], "label_x") - num(&bars[0], "label_x"), 10 * slot);
    }

    #[test]
    fn an_empty_timeline_has_no_bars() {
        assert!(items(&chart(&[]), "bars").is_empty());
    }
}
