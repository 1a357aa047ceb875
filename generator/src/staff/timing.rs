//! 「いつ届くか」: a local item's timing in words staff read and write, and back.
//!
//! The workbook shows 妊娠8週0日 / 生後75日目 / 1歳6か月 / 3歳の誕生日 / 年長の10月1日 /
//! 2027年9月1日 / 「…」のメッセージに添えて（maternity/16w0d）. Reading turns the words into the
//! same written rule form content uses (`{ age: 1y6m }`) and lets kizuna-schedule parse it, so the
//! workbook accepts exactly what a YAML file accepts, with no second set of rules.

use kizuna_schedule::{Rule, SchoolGrade};

use super::normalize::half_width;

/// When a local item is delivered: its own rule, or as a section of a base message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Timing {
    /// `when:` (its own rule, or one identical to a base message's).
    When(Rule),
    /// `attach_to:` the message with this id.
    AttachTo(String),
}

/// The words for a timing; `title` names the message a section is attached to, when known.
pub fn words(timing: &Timing, title: Option<&str>) -> String {
    match timing {
        Timing::When(Rule::School(school)) => {
            format!("{}の{}月{}日", school.year.label(), school.date.month(), school.date.day())
        }
        Timing::When(rule) => rule.label(),
        Timing::AttachTo(id) => match title {
            Some(title) => format!("「{title}」のメッセージに添えて（{id}）"),
            None => format!("のメッセージに添えて（{id}）"),
        },
    }
}

/// The machine form shown in the locked column: `when: { age: 1y6m }` or `attach_to: maternity/16w0d`.
pub fn machine(timing: &Timing) -> String {
    match timing {
        Timing::When(rule) => format!("when: {{ {rule} }}"),
        Timing::AttachTo(id) => format!("attach_to: {id}"),
    }
}

/// Reads the words back; the error says, in Japanese, what can be written.
pub fn parse(text: &str) -> Result<Timing, String> {
    let text = half_width(text).replace([' ', '\u{3000}'], "");
    if text.contains("添えて") {
        let id = text
            .rsplit_once('（')
            .or_else(|| text.rsplit_once('('))
            .map(|(_, rest)| rest.trim_end_matches(['）', ')']))
            .filter(|id| id.contains('/'));
        return id.map(|id| Timing::AttachTo(id.to_owned())).ok_or_else(|| {
            "添える先のメッセージを（maternity/16w0d）のように、かっこ内のIDで書いてください".to_owned()
        });
    }
    let form = written_form(&text).ok_or_else(|| {
        format!(
            "「{text}」は届く時期として読めません。妊娠8週0日、生後75日目、1歳6か月、3歳の誕生日、年長の10月1日、\
             2027年9月1日、「…」のメッセージに添えて（maternity/16w0d）のどれかの形で書いてください"
        )
    })?;
    serde_yaml::from_str::<Rule>(&form)
        .map(Timing::When)
        .map_err(|error| format!("「{text}」は届く時期として正しくありません（{}）", first_line(&error.to_string())))
}

fn first_line(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

/// The YAML rule form of the words, when they have one of the known shapes.
fn written_form(text: &str) -> Option<String> {
    if let Some(rest) = text.strip_prefix("妊娠") {
        let (weeks, rest) = number_then(rest, "週")?;
        let (days, rest) = number_then(rest, "日")?;
        return rest.is_empty().then(|| format!("{{ pregnancy: {weeks}w{days}d }}"));
    }
    if let Some(rest) = text.strip_prefix("生後") {
        if let Some((day, "")) = number_then(rest, "日目") {
            return Some(format!("{{ day: {day} }}"));
        }
        return age_form(0, rest);
    }
    if let Some((years, rest)) = number_then(text, "歳") {
        if rest == "の誕生日" {
            return Some(format!("{{ birthday: {years} }}"));
        }
        return age_form(years, rest);
    }
    for grade in SchoolGrade::ALL {
        if let Some(rest) = text.strip_prefix(grade.label()) {
            let rest = rest.strip_prefix('の').unwrap_or(rest);
            let (month, rest) = number_then(rest, "月")?;
            let (day, rest) = number_then(rest, "日")?;
            return rest
                .is_empty()
                .then(|| format!("{{ school: {{ year: {}, date: \"{month:02}-{day:02}\" }} }}", grade.label()));
        }
    }
    let (year, rest) = number_then(text, "年")?;
    let (month, rest) = number_then(rest, "月")?;
    let (day, rest) = number_then(rest, "日")?;
    rest.is_empty().then(|| format!("{{ date: \"{year:04}-{month:02}-{day:02}\" }}"))
}

/// `…か月…日` after the years: `{ age: 1y6m }`.
fn age_form(years: u32, rest: &str) -> Option<String> {
    let (months, rest) = match number_then(rest, "か月").or_else(|| number_then(rest, "ヶ月")) {
        Some((months, rest)) => (months, rest),
        None => (0, rest),
    };
    let (days, rest) = match number_then(rest, "日") {
        Some((days, rest)) => (days, rest),
        None => (0, rest),
    };
    if !rest.is_empty() {
        return None;
    }
    let mut age = String::new();
    if years > 0 {
        age.push_str(&format!("{years}y"));
    }
    if months > 0 || (years > 0 && days > 0) {
        age.push_str(&format!("{months}m"));
    }
    if days > 0 {
        age.push_str(&format!("{days}d"));
    }
    (!age.is_empty()).then(|| format!("{{ age: {age} }}"))
}

/// Leading ASCII digits followed by `unit`: the number and what follows the unit.
fn number_then<'t>(text: &'t str, unit: &str) -> Option<(u32, &'t str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let number = text[..digits].parse().ok()?;
    Some((number, text[digits..].strip_prefix(unit)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(yaml: &str) -> Timing {
        Timing::When(serde_yaml::from_str(yaml).expect("a rule"))
    }

    #[test]
    fn every_rule_form_reads_back_from_its_words() {
        for yaml in [
            "{ pregnancy: 8w0d }",
            "{ day: 75 }",
            "{ age: 1y6m }",
            "{ age: 5m }",
            "{ age: 3y0m10d }",
            "{ age: 1m12d }",
            "{ birthday: 3 }",
            "{ school: { year: 年長, date: \"10-01\" } }",
            "{ date: \"2027-09-01\" }",
        ] {
            let timing = rule(yaml);
            assert_eq!(parse(&words(&timing, None)), Ok(timing), "{yaml}");
        }
        let attached = Timing::AttachTo("maternity/16w0d".to_owned());
        assert_eq!(parse(&words(&attached, Some("安定期"))), Ok(attached));
    }

    #[test]
    fn full_width_digits_and_spaces_are_accepted() {
        assert_eq!(parse("妊娠１２週　３日"), Ok(rule("{ pregnancy: 12w3d }")));
        assert_eq!(parse("２０２７年９月１日"), Ok(rule("{ date: \"2027-09-01\" }")));
    }

    #[test]
    fn unknown_words_and_bad_values_are_explained() {
        let unknown = parse("来月ごろ").expect_err("not a timing");
        assert!(unknown.contains("生後75日目"), "{unknown}");
        let out_of_range = parse("妊娠50週0日").expect_err("out of range");
        assert!(out_of_range.contains("正しくありません"), "{out_of_range}");
        assert!(parse("「健診」のメッセージに添えて").is_err());
    }
}
