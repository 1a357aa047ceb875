//! Signed links in mails and the keyed e-mail hash.
//!
//! **`KIZUNA_LINK_SECRET`** holds one or more keys, comma-separated, each `<key id>:<secret>`; the
//! first signs, every listed key verifies (rotation: put the new key first and keep the old one
//! until its tokens no longer matter). A key id is 1–16 characters of `[A-Za-z0-9_-]`; a secret is
//! at least 32 bytes. A value without `:` is one key with id `k0`.
//!
//! **Tokens** are `<purpose>.<key id>.<subscription uuid>.<expiry>.<signature>`: purpose `u`
//! (unsubscribe, never expires: expiry `0`), `m` (manage, expires 30 days after the mail) or `c`
//! (confirm, 48 hours) or `l` (LINE registration, 24 hours; its "uuid" is a registration ticket's
//! id, not a subscription's, and the ticket itself is taken once); expiry in Unix seconds; the signature is the unpadded base64url HMAC-SHA256
//! of `kizuna-link/1|<purpose>|<key id>|<uuid>|<expiry>`. Tokens carry no personal data, but they
//! are credentials: never log them.
//!
//! **E-mail hash** ([`EmailHasher`]): unpadded base64url HMAC-SHA256 of the trimmed, lower-cased
//! address under its own never-rotated key (`KIZUNA_EMAIL_HASH_KEY`; when unset it is derived from
//! the first link key, which is fine for local use but must not be relied on once keys rotate).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Manage links expire after this many days.
pub const MANAGE_TOKEN_DAYS: i64 = 30;
/// LINE registration links (greeting in the chat) expire after this many hours.
pub const LINE_REGISTER_TOKEN_HOURS: i64 = 24;
/// Confirmation links expire after this many hours.
pub const CONFIRM_TOKEN_HOURS: i64 = 48;

/// A bad `KIZUNA_LINK_SECRET` or a token that does not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The secret setting is malformed (the message says how; it never repeats the secret).
    #[error("KIZUNA_LINK_SECRET: {0} (expected `<key id>:<secret of at least 32 bytes>[,<key id>:<secret>…]`)")]
    BadSecret(String),
    /// The token is not well formed.
    #[error("malformed token")]
    Malformed,
    /// The key id is not (or no longer) accepted.
    #[error("unknown key id")]
    UnknownKey,
    /// The signature does not match.
    #[error("bad signature")]
    BadSignature,
    /// The token has expired.
    #[error("expired token")]
    Expired,
}

/// What a link may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// One-click unsubscribe; never expires.
    Unsubscribe,
    /// The manage page (stop, change the due date, register the birth); 30 days.
    Manage,
    /// Double opt-in confirmation; 48 hours.
    Confirm,
    /// Registration from the LINE chat (binds a ticket, not a subscription); 24 hours.
    LineRegister,
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Purpose::Unsubscribe => "u",
            Purpose::Manage => "m",
            Purpose::Confirm => "c",
            Purpose::LineRegister => "l",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        match code {
            "u" => Some(Purpose::Unsubscribe),
            "m" => Some(Purpose::Manage),
            "c" => Some(Purpose::Confirm),
            "l" => Some(Purpose::LineRegister),
            _ => None,
        }
    }

    /// Seconds until expiry, or `None` for never.
    fn lifetime(self) -> Option<i64> {
        match self {
            Purpose::Unsubscribe => None,
            Purpose::Manage => Some(MANAGE_TOKEN_DAYS * 86_400),
            Purpose::Confirm => Some(CONFIRM_TOKEN_HOURS * 3_600),
            Purpose::LineRegister => Some(LINE_REGISTER_TOKEN_HOURS * 3_600),
        }
    }
}

/// A verified token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    /// What it may do.
    pub purpose: Purpose,
    /// The subscription's uuid.
    pub subscription_id: String,
    /// Expiry in Unix seconds, `None` for never.
    pub expires: Option<i64>,
}

/// The link keys: the first signs, all verify. Its `Debug` never shows the secrets.
#[derive(Clone)]
pub struct LinkKeys {
    keys: Vec<(String, Vec<u8>)>,
}

impl std::fmt::Debug for LinkKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("LinkKeys").field("key_ids", &ids).finish()
    }
}

impl LinkKeys {
    /// Parses `KIZUNA_LINK_SECRET`.
    pub fn parse(value: &str) -> Result<Self, LinkError> {
        let mut keys = Vec::new();
        for (n, part) in value.split(',').map(str::trim).enumerate() {
            let (id, secret) = match part.split_once(':') {
                Some((id, secret)) => (id, secret),
                None if n == 0 && !value.contains(',') => ("k0", part),
                None => return Err(LinkError::BadSecret(format!("key {} has no `<key id>:`", n + 1))),
            };
            let id_ok =
                (1..=16).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !id_ok {
                return Err(LinkError::BadSecret(format!("key {}: bad key id", n + 1)));
            }
            if secret.len() < 32 {
                return Err(LinkError::BadSecret(format!("key `{id}` is shorter than 32 bytes")));
            }
            if keys.iter().any(|(known, _)| known == id) {
                return Err(LinkError::BadSecret(format!("key id `{id}` is listed twice")));
            }
            keys.push((id.to_owned(), secret.as_bytes().to_vec()));
        }
        if keys.is_empty() {
            return Err(LinkError::BadSecret("no key".to_owned()));
        }
        Ok(LinkKeys { keys })
    }

    fn signing(&self) -> &(String, Vec<u8>) {
        &self.keys[0]
    }

    fn mac(key: &[u8], message: &str) -> Vec<u8> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(message.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// What is signed. `expiry` is the text of the token's expiry, exactly as written or received.
    fn payload(purpose: &str, kid: &str, subscription: &str, expiry: &str) -> String {
        format!("kizuna-link/1|{purpose}|{kid}|{subscription}|{expiry}")
    }

    /// A token for a subscription, issued at `now` (Unix seconds).
    pub fn token(&self, purpose: Purpose, subscription_id: &str, now: i64) -> String {
        let (kid, key) = self.signing();
        let expiry = purpose.lifetime().map_or(0, |life| now + life);
        let signature = Self::mac(key, &Self::payload(purpose.code(), kid, subscription_id, &expiry.to_string()));
        format!("{}.{kid}.{subscription_id}.{expiry}.{}", purpose.code(), URL_SAFE_NO_PAD.encode(signature))
    }

    /// Verifies a token at `now` (Unix seconds).
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, LinkError> {
        let parts: Vec<&str> = token.split('.').collect();
        let [code, kid, subscription, expiry, signature] = parts[..] else {
            return Err(LinkError::Malformed);
        };
        let purpose = Purpose::from_code(code).ok_or(LinkError::Malformed)?;
        let expiry_value = canonical_expiry(expiry).ok_or(LinkError::Malformed)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| LinkError::Malformed)?;
        let (_, key) = self.keys.iter().find(|(id, _)| id == kid).ok_or(LinkError::UnknownKey)?;
        let mut mac = HmacSha256::new_from_slice(key).map_err(|_| LinkError::BadSignature)?;
        // The signature is checked over the text as received, never over a re-formatted value:
        // a token has exactly one spelling.
        mac.update(Self::payload(code, kid, subscription, expiry).as_bytes());
        mac.verify_slice(&signature).map_err(|_| LinkError::BadSignature)?;
        let expiry = expiry_value;
        let expires = match (purpose.lifetime(), expiry) {
            (None, 0) => None,
            (None, _) | (Some(_), 0) => return Err(LinkError::Malformed),
            (Some(_), at) if at < now => return Err(LinkError::Expired),
            (Some(_), at) => Some(at),
        };
        Ok(Claims { purpose, subscription_id: subscription.to_owned(), expires })
    }

    /// Signs a payload with the signing key: the payload is built from the key id (so it names the
    /// key), and the result is (key id, unpadded base64url HMAC-SHA256). Other token kinds (survey
    /// invitations, `crate::domain::survey`) sign their own payloads with the same keys.
    pub fn sign(&self, payload: impl FnOnce(&str) -> String) -> (String, String) {
        let (kid, key) = self.signing();
        (kid.clone(), URL_SAFE_NO_PAD.encode(Self::mac(key, &payload(kid.as_str()))))
    }

    /// Checks a [`LinkKeys::sign`] signature over `payload` under key `kid`.
    pub fn verify_signature(&self, kid: &str, payload: &str, signature: &str) -> Result<(), LinkError> {
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| LinkError::Malformed)?;
        let (_, key) = self.keys.iter().find(|(id, _)| id == kid).ok_or(LinkError::UnknownKey)?;
        let mut mac = HmacSha256::new_from_slice(key).map_err(|_| LinkError::BadSignature)?;
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature).map_err(|_| LinkError::BadSignature)
    }

    /// A keyed one-way hash of `text` under the signing key (unpadded base64url of the first 16
    /// bytes of its HMAC-SHA256): a value that identifies something to us and to no one else.
    pub fn keyed_hash(&self, text: &str) -> String {
        let mac = Self::mac(&self.signing().1, text);
        URL_SAFE_NO_PAD.encode(&mac[..16])
    }

    /// The key for the e-mail hash derived from the first link key (when no own key is set).
    pub fn derived_email_hash_key(&self) -> Vec<u8> {
        Self::mac(&self.signing().1, "kizuna-email-hash/1")
    }
}

/// An expiry as [`LinkKeys::token`] writes it: `0`, or ASCII digits without a leading zero (no
/// sign, no `0N`, no spaces), within `i64`.
fn canonical_expiry(text: &str) -> Option<i64> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = text.len() > 1 && text.starts_with('0');
    if digits && !leading_zero {
        text.parse().ok()
    } else {
        None
    }
}

/// The keyed hash of an e-mail address (uniqueness items, the `by_email_hash` index).
#[derive(Clone)]
pub struct EmailHasher {
    key: Vec<u8>,
}

impl std::fmt::Debug for EmailHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmailHasher(..)")
    }
}

impl EmailHasher {
    /// A hasher with its own key.
    pub fn new(key: &[u8]) -> Self {
        EmailHasher { key: key.to_vec() }
    }

    /// The hash of an address: trimmed and lower-cased first, so case variants collide.
    pub fn hash(&self, email: &str) -> String {
        URL_SAFE_NO_PAD.encode(LinkKeys::mac(&self.key, &email.trim().to_lowercase()))
    }
}

/// The markers of a LINE message for one subscription: the archive link (`urls.0`, the
/// municipality's archive base), the manage and unsubscribe links with fresh tokens issued at `now`
/// (`urls.1` is the API base) when there is a subscription, and the nickname greeting (「はなさん」).
pub fn line_marker_values(
    urls: (&str, &str),
    links: &LinkKeys,
    subscription: Option<&str>,
    nickname: Option<&str>,
    now: i64,
) -> kizuna_schedule::line::LineMarkerValues {
    use kizuna_schedule::line::{LineMarker, LineMarkerValues};
    let (archive, api) = urls;
    let mut values = LineMarkerValues::default().with(LineMarker::ArchiveUrl, archive);
    if let Some(nickname) = nickname.filter(|n| !n.trim().is_empty()) {
        values = values.with(LineMarker::Nickname, &format!("{nickname}さん"));
    }
    let Some(id) = subscription else { return values };
    let manage = format!("{api}manage?token={}", links.token(Purpose::Manage, id, now));
    let unsubscribe = format!("{api}unsubscribe?token={}", links.token(Purpose::Unsubscribe, id, now));
    values.with(LineMarker::ManageUrl, &manage).with(LineMarker::UnsubscribeUrl, &unsubscribe)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "k1:0123456789abcdef0123456789abcdef";
    const NOW: i64 = 1_800_000_000;

    #[test]
    fn tokens_round_trip_and_carry_their_purpose() {
        let keys = LinkKeys::parse(SECRET).expect("secret");
        let token = keys.token(Purpose::Unsubscribe, "3f2a", NOW);
        assert!(token.starts_with("u.k1.3f2a.0."), "{token}");
        let claims = keys.verify(&token, NOW + 100 * 365 * 86_400).expect("unsubscribe never expires");
        assert_eq!(claims, Claims { purpose: Purpose::Unsubscribe, subscription_id: "3f2a".into(), expires: None });
    }

    #[test]
    fn manage_tokens_expire_after_30_days() {
        let keys = LinkKeys::parse(SECRET).expect("secret");
        let token = keys.token(Purpose::Manage, "abc", NOW);
        assert!(keys.verify(&token, NOW + 30 * 86_400).is_ok());
        assert_eq!(keys.verify(&token, NOW + 30 * 86_400 + 1), Err(LinkError::Expired));
    }

    #[test]
    fn tampering_and_unknown_keys_are_refused() {
        let keys = LinkKeys::parse(SECRET).expect("secret");
        let token = keys.token(Purpose::Manage, "abc", NOW);
        let other = token.replace(".abc.", ".abd.");
        assert_eq!(keys.verify(&other, NOW), Err(LinkError::BadSignature));
        let longer = token.replacen(&format!(".{}.", NOW + 30 * 86_400), &format!(".{}.", NOW + 60 * 86_400), 1);
        assert_eq!(keys.verify(&longer, NOW), Err(LinkError::BadSignature));
        let purpose = format!("u{}", &token[1..]);
        assert_eq!(keys.verify(&purpose, NOW), Err(LinkError::BadSignature));
        let stranger = LinkKeys::parse("k9:zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz").expect("secret");
        assert_eq!(stranger.verify(&token, NOW), Err(LinkError::UnknownKey));
        assert_eq!(keys.verify("u.k1.x", NOW), Err(LinkError::Malformed));
    }

    #[test]
    fn non_canonical_expiries_are_refused() {
        let keys = LinkKeys::parse(SECRET).expect("secret");
        let manage = keys.token(Purpose::Manage, "abc", NOW);
        let expiry = format!(".{}.", NOW + 30 * 86_400);
        for other in [format!(".+{}.", NOW + 30 * 86_400), format!(".0{}.", NOW + 30 * 86_400), format!(". {}.", NOW)] {
            let respelled = manage.replacen(&expiry, &other, 1);
            assert_eq!(keys.verify(&respelled, NOW), Err(LinkError::Malformed), "{other}");
        }
        let unsubscribe = keys.token(Purpose::Unsubscribe, "abc", NOW);
        for other in [".00.", ".+0.", ".-0."] {
            assert_eq!(keys.verify(&unsubscribe.replacen(".0.", other, 1), NOW), Err(LinkError::Malformed), "{other}");
        }
        assert!(keys.verify(&manage, NOW).is_ok() && keys.verify(&unsubscribe, NOW).is_ok());
    }

    #[test]
    fn rotation_keeps_old_tokens_valid() {
        let old = LinkKeys::parse(SECRET).expect("secret");
        let token = old.token(Purpose::Unsubscribe, "abc", NOW);
        let rotated =
            LinkKeys::parse(&format!("k2:ffffffffffffffffffffffffffffffffff,{SECRET}")).expect("rotated secret");
        assert!(rotated.verify(&token, NOW).is_ok());
        assert!(rotated.token(Purpose::Unsubscribe, "abc", NOW).starts_with("u.k2."));
    }

    #[test]
    fn bad_secrets_are_explained_without_echoing_them() {
        let error = LinkKeys::parse("k1:short").expect_err("too short");
        assert!(error.to_string().contains("shorter than 32 bytes"));
        assert!(!error.to_string().contains("short\""));
        assert!(LinkKeys::parse("bad id!:0123456789abcdef0123456789abcdef").is_err());
        let bare = LinkKeys::parse("0123456789abcdef0123456789abcdef").expect("bare secret");
        assert!(bare.token(Purpose::Unsubscribe, "a", NOW).starts_with("u.k0."));
        assert!(!format!("{bare:?}").contains("0123"));
    }

    #[test]
    fn email_hash_ignores_case_and_spaces() {
        let hasher = EmailHasher::new(b"key");
        assert_eq!(hasher.hash(" Hanako@Example.JP "), hasher.hash("hanako@example.jp"));
        assert_ne!(hasher.hash("hanako@example.jp"), EmailHasher::new(b"other").hash("hanako@example.jp"));
    }
}
