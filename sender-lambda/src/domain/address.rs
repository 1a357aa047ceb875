//! The e-mail address rules, one set for every way an address comes in (the sign-up API and the
//! operator's CSV import): addresses SES can deliver to. Old Japanese carrier addresses whose part
//! before `@` breaks RFC 5322 (`a..b@`, `a.@`, `.a@`) have a problem of their own, so that both
//! callers can explain it.

/// Why an address cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressProblem {
    /// Nothing was given.
    Empty,
    /// Longer than 254 characters.
    TooLong,
    /// Characters other than ASCII.
    NotAscii,
    /// No `@`.
    NoAt,
    /// The part before `@` is empty or longer than 64 characters.
    LocalLength,
    /// The part before `@` has characters mail servers do not accept.
    LocalCharacters,
    /// A dot at the start or end of the part before `@`, or two in a row (old carrier addresses).
    CarrierDots,
    /// The domain is not a valid host name with at least two labels.
    Domain,
}

/// Checks an address; returns it with its domain lower-cased (the part before `@` keeps its case).
pub fn normalise(address: &str) -> Result<String, AddressProblem> {
    if address.is_empty() {
        return Err(AddressProblem::Empty);
    }
    if address.len() > 254 {
        return Err(AddressProblem::TooLong);
    }
    if !address.is_ascii() {
        return Err(AddressProblem::NotAscii);
    }
    let (local, domain) = address.rsplit_once('@').ok_or(AddressProblem::NoAt)?;
    if local.is_empty() || local.len() > 64 {
        return Err(AddressProblem::LocalLength);
    }
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
    if !local.chars().all(atext) {
        return Err(AddressProblem::LocalCharacters);
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(AddressProblem::CarrierDots);
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if domain.split('.').count() < 2 || !domain.split('.').all(label_ok) {
        return Err(AddressProblem::Domain);
    }
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_problem_is_named() {
        let cases = [
            ("", AddressProblem::Empty),
            ("はな@example.jp", AddressProblem::NotAscii),
            ("hana.example.jp", AddressProblem::NoAt),
            ("@example.jp", AddressProblem::LocalLength),
            ("a b@example.jp", AddressProblem::LocalCharacters),
            ("a..b@docomo.ne.jp", AddressProblem::CarrierDots),
            ("a.@ezweb.ne.jp", AddressProblem::CarrierDots),
            (".a@ezweb.ne.jp", AddressProblem::CarrierDots),
            ("a@localhost", AddressProblem::Domain),
            ("a@-x.jp", AddressProblem::Domain),
        ];
        for (address, problem) in cases {
            assert_eq!(normalise(address), Err(problem), "{address}");
        }
        assert_eq!(normalise(&format!("{}@example.jp", "a".repeat(65))), Err(AddressProblem::LocalLength));
        assert_eq!(normalise(&format!("a@{}.jp", "b".repeat(260))), Err(AddressProblem::TooLong));
        assert_eq!(normalise("Hana.Yamada+k@Example.JP").as_deref(), Ok("Hana.Yamada+k@example.jp"));
    }
}
