//! Request bodies and their validation: JSON objects, urlencoded forms and `multipart/form-data`
//! become [`Fields`]; every check names its field and explains itself in Japanese.
//!
//! Nothing here logs: values are personal data.

use kizuna_schedule::MunicipalityId;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use kizuna_schedule::{forms, AnchorKind};

use crate::domain::anchor_date::DateProblem;

/// A validation problem: the field and a Japanese message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The field name (`body` for the whole request).
    pub field: String,
    /// What is wrong and what to do, in Japanese.
    pub message: String,
}

impl FieldError {
    /// A problem with a field.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        FieldError { field: field.to_owned(), message: message.into() }
    }
}

/// How a body was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// `application/json`
    Json,
    /// `application/x-www-form-urlencoded`
    UrlEncoded,
    /// `multipart/form-data`
    Multipart,
}

/// One field's value as received.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    /// A form value (always text).
    Text(String),
    /// A JSON value.
    Json(serde_json::Value),
}

/// The fields of a body, by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fields {
    map: BTreeMap<String, FieldValue>,
}

/// The largest number of fields a body may have.
const MAX_FIELDS: usize = 16;
/// The longest text any field may hold (characters).
const MAX_FIELD_CHARS: usize = 512;

fn shown_name(name: &str) -> String {
    let clean: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
    clean
}

impl Fields {
    /// Parses a body of the given encoding (`boundary` for multipart).
    pub fn parse(encoding: Encoding, body: &[u8], boundary: Option<&str>) -> Result<Fields, FieldError> {
        let text = std::str::from_utf8(body)
            .map_err(|_| FieldError::new("body", "文字コードが正しくありません（UTF-8 で送ってください）。"))?;
        let mut fields = Fields::default();
        match encoding {
            Encoding::Json => {
                let value: serde_json::Value = serde_json::from_str(text)
                    .map_err(|_| FieldError::new("body", "JSON の形式が正しくありません。"))?;
                let serde_json::Value::Object(object) = value else {
                    return Err(FieldError::new("body", "JSON のオブジェクト（{…}）を送ってください。"));
                };
                for (name, value) in object {
                    fields.insert(name, FieldValue::Json(value))?;
                }
            }
            Encoding::UrlEncoded => {
                for pair in text.split('&').filter(|p| !p.is_empty()) {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    let value = percent_decode(value)?;
                    fields.insert(percent_decode(name)?, FieldValue::Text(value))?;
                }
            }
            Encoding::Multipart => {
                let boundary =
                    boundary.ok_or_else(|| FieldError::new("body", "multipart の boundary がありません。"))?;
                for (name, value) in parse_multipart(text, boundary)? {
                    fields.insert(name, FieldValue::Text(value))?;
                }
            }
        }
        Ok(fields)
    }

    fn insert(&mut self, name: String, value: FieldValue) -> Result<(), FieldError> {
        if self.map.len() >= MAX_FIELDS {
            return Err(FieldError::new("body", "項目が多すぎます。"));
        }
        if self.map.contains_key(&name) {
            return Err(FieldError::new(&shown_name(&name), "同じ項目が二度送られています。"));
        }
        self.map.insert(name, value);
        Ok(())
    }

    /// Whether a field was sent.
    pub fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// Refuses fields outside `allowed` (the first unknown one).
    pub fn only(&self, allowed: &[&str]) -> Result<(), FieldError> {
        match self.map.keys().find(|name| !allowed.contains(&name.as_str())) {
            Some(name) => Err(FieldError::new(
                &shown_name(name),
                format!("「{}」という項目は受け付けていません。", shown_name(name)),
            )),
            None => Ok(()),
        }
    }

    /// A text field: absent (or empty) is `None`; wrong types, control characters (CR, LF…) and
    /// overlong values are errors.
    pub fn text(&self, name: &str, label: &str) -> Result<Option<String>, FieldError> {
        let value = match self.map.get(name) {
            None => return Ok(None),
            Some(FieldValue::Text(text)) => text.clone(),
            Some(FieldValue::Json(serde_json::Value::String(text))) => text.clone(),
            Some(FieldValue::Json(serde_json::Value::Null)) => return Ok(None),
            Some(FieldValue::Json(_)) => {
                return Err(FieldError::new(name, format!("{label}は文字列で送ってください。")));
            }
        };
        if value.chars().any(char::is_control) {
            return Err(FieldError::new(name, format!("{label}に改行や制御文字は使えません。")));
        }
        if value.chars().count() > MAX_FIELD_CHARS {
            return Err(FieldError::new(name, format!("{label}が長すぎます。")));
        }
        let trimmed = value.trim().to_owned();
        Ok((!trimmed.is_empty()).then_some(trimmed))
    }

    /// A required text field.
    pub fn required(&self, name: &str, label: &str) -> Result<String, FieldError> {
        self.text(name, label)?.ok_or_else(|| FieldError::new(name, format!("{label}を入力してください。")))
    }

    /// A yes/no field: JSON `true`/`false`, or a form checkbox ([`forms::CONSENT_ACCEPTED`]).
    pub fn flag(&self, name: &str, label: &str) -> Result<bool, FieldError> {
        match self.map.get(name) {
            None => Ok(false),
            Some(FieldValue::Json(serde_json::Value::Bool(value))) => Ok(*value),
            Some(FieldValue::Text(text)) if forms::CONSENT_ACCEPTED.contains(&text.as_str()) => Ok(true),
            Some(_) => Err(FieldError::new(name, format!("{label}の値が正しくありません。"))),
        }
    }
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a space); malformed escapes
/// and bytes that are not UTF-8 are refused.
pub(crate) fn percent_decode(raw: &str) -> Result<String, FieldError> {
    let bad = || FieldError::new("body", "フォームの形式が正しくありません（UTF-8 で送ってください）。");
    let mut bytes = Vec::with_capacity(raw.len());
    let mut input = raw.bytes();
    while let Some(byte) = input.next() {
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = |b: Option<u8>| b.and_then(|b| (b as char).to_digit(16));
                let (Some(high), Some(low)) = (hex(input.next()), hex(input.next())) else {
                    return Err(bad());
                };
                bytes.push(u8::try_from(high * 16 + low).map_err(|_| bad())?);
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).map_err(|_| bad())
}

/// Parses the text parts of a `multipart/form-data` body (files are refused).
fn parse_multipart(body: &str, boundary: &str) -> Result<Vec<(String, String)>, FieldError> {
    let bad = || FieldError::new("body", "multipart の形式が正しくありません。");
    if boundary.is_empty() || boundary.len() > 70 {
        return Err(bad());
    }
    let delimiter = format!("--{boundary}");
    let mut parts = body.split(delimiter.as_str());
    if !parts.next().is_some_and(|preamble| preamble.trim().is_empty()) {
        return Err(bad());
    }
    let mut fields = Vec::new();
    let mut closed = false;
    for part in parts {
        if part.starts_with("--") {
            closed = true;
            break;
        }
        let part = part.strip_prefix("\r\n").ok_or_else(bad)?;
        let (head, value) = part.split_once("\r\n\r\n").ok_or_else(bad)?;
        let value = value.strip_suffix("\r\n").ok_or_else(bad)?;
        let mut name = None;
        for line in head.split("\r\n") {
            let (header, rest) = line.split_once(':').ok_or_else(bad)?;
            if header.trim().eq_ignore_ascii_case("content-disposition") {
                let mut params = rest.split(';').map(str::trim);
                if params.next() != Some("form-data") {
                    return Err(bad());
                }
                for param in params {
                    if let Some(value) = param.strip_prefix("name=") {
                        name = Some(value.trim_matches('"').to_owned());
                    } else if param.starts_with("filename") {
                        return Err(FieldError::new("body", "ファイルは受け付けていません。"));
                    }
                }
            }
        }
        fields.push((name.ok_or_else(bad)?, value.to_owned()));
    }
    if !closed {
        return Err(bad());
    }
    Ok(fields)
}

/// The explanation for RFC-breaking carrier addresses.
pub const CARRIER_ADDRESS_MESSAGE: &str = "このメールアドレスは、「.」（ドット）が2つ続いているか、「@」の直前や先頭に「.」があるため、\
メールの規格（RFC 5322）に合わず、配信できません。古い携帯電話会社のアドレスに多い形式です。\
お手数ですが、携帯電話会社の設定でアドレスを変更するか、別のメールアドレス（Gmail などのフリーメールも使えます）をご登録ください。";

/// Checks an e-mail address ([`crate::domain::address`]); returns it with a lower-cased domain.
pub fn email(value: &str) -> Result<String, FieldError> {
    use crate::domain::address::{normalise, AddressProblem};
    let message = match normalise(value) {
        Ok(address) => return Ok(address),
        Err(AddressProblem::Empty) => "メールアドレスを入力してください。",
        Err(AddressProblem::TooLong) => "メールアドレスが長すぎます（254文字まで）。",
        Err(AddressProblem::NotAscii) => "メールアドレスは半角の英数字と記号で入力してください。",
        Err(AddressProblem::NoAt) => "メールアドレスの形式が正しくありません（「@」がありません）。",
        Err(AddressProblem::LocalLength) => "メールアドレスの「@」より前の部分が正しくありません。",
        Err(AddressProblem::LocalCharacters) => "メールアドレスに使えない文字が含まれています。",
        Err(AddressProblem::CarrierDots) => CARRIER_ADDRESS_MESSAGE,
        Err(AddressProblem::Domain) => "メールアドレスの「@」より後ろ（ドメイン）が正しくありません。",
    };
    Err(FieldError::new(forms::EMAIL.name, message))
}

/// Parses `YYYY-MM-DD` (a real calendar date).
pub fn date(field: &str, label: &str, value: &str) -> Result<NaiveDate, FieldError> {
    crate::domain::anchor_date::parse(value).map_err(|problem| date_error(field, label, problem))
}

/// A due date within the rule of [`crate::domain::anchor_date`].
pub fn due_date(field: &str, value: &str, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    crate::domain::anchor_date::check(AnchorKind::Due, value, today)
        .map_err(|problem| date_error(field, "出産予定日", problem))
}

/// A birth date within the rule of [`crate::domain::anchor_date`].
pub fn birth_date(field: &str, value: &str, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    crate::domain::anchor_date::check(AnchorKind::Birth, value, today)
        .map_err(|problem| date_error(field, "生年月日", problem))
}

/// A date problem in the words of the sign-up and manage pages.
fn date_error(field: &str, label: &str, problem: DateProblem) -> FieldError {
    let message = match problem {
        DateProblem::Shape => format!("{label}は「2027-04-01」の形で入力してください。"),
        DateProblem::NoSuchDay => format!("{label}に存在しない日付が入力されています。"),
        DateProblem::DueTooEarly => {
            "出産予定日が2週間以上前です。お子さんが生まれている場合は、生年月日で登録してください。".to_owned()
        }
        DateProblem::DueTooLate => "出産予定日が先すぎます（今日から280日後まで登録できます）。".to_owned(),
        DateProblem::BirthInFuture => "生年月日に未来の日付は登録できません。".to_owned(),
        DateProblem::BirthTooOld => "18年以上前の生年月日は登録できません。".to_owned(),
    };
    FieldError::new(field, message)
}

/// An optional nickname of at most [`forms::NICKNAME_MAX_CHARS`] characters.
pub fn nickname(value: Option<String>) -> Result<Option<String>, FieldError> {
    match value {
        Some(name) if name.chars().count() > forms::NICKNAME_MAX_CHARS => Err(FieldError::new(
            forms::NICKNAME.name,
            format!("{}は{}文字以内で入力してください。", forms::NICKNAME.label, forms::NICKNAME_MAX_CHARS),
        )),
        other => Ok(other),
    }
}

/// A consent text version: 1–32 characters of `[A-Za-z0-9._-]`.
pub fn consent_version(value: &str) -> Result<String, FieldError> {
    let ok = (1..=32).contains(&value.len())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(FieldError::new(
            forms::CONSENT_VERSION_FIELD.name,
            "同意した文書の版が正しくありません。ページを読み込み直してください。",
        ))
    }
}

/// A municipality id ([`MunicipalityId`], the contract's one rule).
pub fn municipality_id(value: &str) -> Result<String, FieldError> {
    MunicipalityId::parse(value)
        .map(MunicipalityId::into_string)
        .map_err(|_| FieldError::new(forms::MUNICIPALITY.name, "市区町村が正しくありません。"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    #[test]
    fn carrier_addresses_are_refused_with_an_explanation() {
        for bad in ["a..b@docomo.ne.jp", "a.@ezweb.ne.jp", ".a@softbank.ne.jp"] {
            let error = email(bad).expect_err(bad);
            assert_eq!(error.field, "email");
            assert!(error.message.contains("別のメールアドレス"), "{}", error.message);
        }
        assert_eq!(email("Hana.Yamada@Example.JP").expect("valid"), "Hana.Yamada@example.jp");
        assert!(email("はな@example.jp").is_err());
        assert!(email(&format!("{}@example.jp", "a".repeat(65))).is_err());
        assert!(email("a@localhost").is_err());
    }

    #[test]
    fn date_ranges_follow_the_rules() {
        let today = d("2026-11-26");
        assert!(due_date("due_date", "2026-11-13", today).is_ok());
        assert!(due_date("due_date", "2026-11-12", today).is_err());
        assert!(due_date("due_date", "2027-09-02", today).is_ok());
        assert!(due_date("due_date", "2027-09-03", today).is_err());
        assert!(birth_date("birth_date", "2026-11-26", today).is_ok());
        assert!(birth_date("birth_date", "2026-11-27", today).is_err());
        assert!(birth_date("birth_date", "2008-11-26", today).is_ok());
        assert!(birth_date("birth_date", "2008-11-25", today).is_err());
        assert!(date("d", "日付", "2026-02-30").expect_err("impossible").message.contains("存在しない"));
        assert!(date("d", "日付", "2026-2-3").is_err());
    }

    #[test]
    fn bodies_parse_in_three_encodings() {
        let json = Fields::parse(Encoding::Json, br#"{"email":"a@b.jp","consent":true}"#, None).expect("json");
        assert_eq!(json.required("email", "メールアドレス").expect("email"), "a@b.jp");
        assert!(json.flag("consent", "同意").expect("flag"));
        let form =
            Fields::parse(Encoding::UrlEncoded, b"email=a%40b.jp&nickname=%E3%81%AF%E3%81%AA", None).expect("form");
        assert_eq!(form.text("nickname", "呼び名").expect("nickname").as_deref(), Some("はな"));
        let multipart =
            "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--XyZ--\r\n";
        let parts = Fields::parse(Encoding::Multipart, multipart.as_bytes(), Some("XyZ")).expect("multipart");
        assert_eq!(parts.required("List-Unsubscribe", "x").expect("value"), "One-Click");
        assert!(Fields::parse(Encoding::UrlEncoded, b"a=1&a=2", None).is_err());
        assert!(Fields::parse(Encoding::Json, b"[1]", None).is_err());
        let crlf = Fields::parse(Encoding::UrlEncoded, b"email=a%0D%0ABcc%3Ax%40y.jp", None).expect("parses");
        assert!(crlf.text("email", "メールアドレス").is_err());
        assert!(json.only(&["email"]).is_err());
    }
}
