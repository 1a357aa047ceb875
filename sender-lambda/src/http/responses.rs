//! The API's requests and responses as plain values, the same for the Lambda adapter and the local
//! server: JSON, HTML and redirect answers with the security headers every answer carries.

/// One HTTP request, as the router sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, e.g. `/api/subscriptions`.
    pub path: String,
    /// The raw query string (without `?`).
    pub query: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl ApiRequest {
    /// A header's value (names are compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// One HTTP response.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiResponse {
    /// The status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// The body (JSON, HTML or text).
    pub body: String,
}

impl ApiResponse {
    /// An answer with the headers every answer carries.
    pub(crate) fn new(status: u16, content_type: &str, body: String) -> Self {
        ApiResponse {
            status,
            headers: vec![
                ("content-type".into(), content_type.into()),
                ("cache-control".into(), "no-store".into()),
                ("x-content-type-options".into(), "nosniff".into()),
                // Not `no-referrer`: browsers then send `Origin: null` with the pages' own form
                // posts, which the origin check refuses. `strict-origin` still keeps tokens in
                // the URL out of every Referer (only the origin is sent).
                ("referrer-policy".into(), "strict-origin".into()),
                ("content-security-policy".into(), "frame-ancestors 'none'".into()),
            ],
            body,
        }
    }

    /// A JSON answer.
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self::new(status, "application/json; charset=utf-8", value.to_string())
    }

    /// A JSON error naming a field.
    pub fn error(status: u16, field: &str, message: &str) -> Self {
        Self::json(status, &serde_json::json!({ "error": { "field": field, "message": message } }))
    }

    /// An HTML page.
    pub fn html(status: u16, body: String) -> Self {
        Self::new(status, "text/html; charset=utf-8", body)
    }

    /// A `303 See Other`.
    pub fn see_other(location: &str) -> Self {
        let mut response = Self::new(303, "text/plain; charset=utf-8", String::new());
        response.headers.push(("location".into(), location.into()));
        response
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}
