//! What staff type, made regular: full-width digits and letters, ideographic spaces, and the many
//! ways a date is written in a Japanese office (2027/4/1, 2027-04-01, 2027年4月1日, 令和9年4月1日).

use chrono::NaiveDate;

/// Full-width ASCII (０-９, Ａ-Ｚ, ／, －…) as ASCII, and the ideographic space as a space.
pub fn half_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// A one-line field: half-width forms, trimmed of spaces of both widths.
pub fn one_line(text: &str) -> String {
    half_width(text).trim().to_owned()
}

/// Free text as Excel or LibreOffice saved it: CRLF as LF, trailing spaces and blank lines dropped.
pub fn free_text(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n").trim_matches('\n').to_owned()
}

/// The first year of each era in use, for 令和9年 and the like.
const ERAS: [(&str, i32); 3] = [("令和", 2018), ("平成", 1988), ("昭和", 1925)];

/// A date written as text; `None` when it is not one.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = half_width(text).replace(' ', "");
    let (year_offset, rest) = ERAS
        .iter()
        .find_map(|(era, offset)| text.strip_prefix(era).map(|rest| (*offset, rest.replacen("元", "1", 1))))
        .unwrap_or((0, text.clone()));
    let numbers: Vec<&str> = rest.split(['/', '-', '.', '年', '月', '日']).filter(|part| !part.is_empty()).collect();
    let [year, month, day] = numbers.as_slice() else { return None };
    if !rest.ends_with(|c: char| c.is_ascii_digit() || c == '日') {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let year = if year_offset > 0 { year + year_offset } else { year };
    NaiveDate::from_ymd_opt(year, month.parse().ok()?, day.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_in_every_office_form() {
        let april_first = NaiveDate::from_ymd_opt(2027, 4, 1);
        for text in ["2027/4/1", "2027-04-01", "2027年4月1日", "令和9年4月1日", "２０２７／４／１", " 2027/04/01 "]
        {
            assert_eq!(parse_date(text), april_first, "{text}");
        }
        assert_eq!(parse_date("令和元年5月1日"), NaiveDate::from_ymd_opt(2019, 5, 1));
        for text in ["2027/2/30", "来年4月", "2027/4", "4/1", ""] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }

    #[test]
    fn free_text_loses_only_line_ends_and_trailing_space() {
        assert_eq!(free_text("一行目  \r\n\r\n二行目\r\n\r\n"), "一行目\n\n二行目");
        assert_eq!(one_line("\u{3000}ＡＢ１２ "), "AB12");
    }
}
