//! The subscription API (DESIGN.md §6) as a library: a router over method, path, headers and body,
//! so the `api-lambda` binary stays a thin wrapper over API Gateway HTTP API events ([`lambda`]).
//!
//! Three faces share every route:
//! - **JSON** (`Content-Type: application/json`): answers JSON; errors are
//!   `{"error": {"field": "...", "message": "..."}}` with a Japanese message;
//! - **HTML forms** (urlencoded or multipart): answer `303` to the municipality's static result page
//!   (`<archive>/subscribe/<page>/`), or the form page again with the errors linked to their fields;
//! - **RFC 8058 one-click**: `POST /api/unsubscribe?token=…` with `List-Unsubscribe=One-Click`
//!   (urlencoded or multipart) answers `200`.
//!
//! | route | what |
//! | --- | --- |
//! | `POST /api/subscriptions` | sign up → pending + confirmation mail (48 h); never reveals whether the address was known |
//! | `GET /api/confirm?token=` | the mailed link: a page whose button posts the token (opening it changes nothing) |
//! | `POST /api/confirm` | confirm → active + welcome mail; links to the current week or age |
//! | `GET /api/manage?token=` | the manage page with the token |
//! | `POST /api/birth` | register the birth → baby track, birth-registered mail, today's baby mail |
//! | `POST /api/due-date` | change the due date (`anchor_version` + 1) |
//! | `POST /api/stop` | stop with a reason; a loss stops at once with one gentle mail |
//! | `GET /api/unsubscribe?token=` / `POST /api/unsubscribe` | confirmation page / unsubscribe (one-click) |
//! | `POST /api/delete` | delete the subscription, its uniqueness item and its delivery records |
//! | `GET /api/survey-answers?token=` / `POST /api/survey-answers` | a reader survey's page / its answers, once (`survey`) |
//!
//! Logs carry the route, the status and subscription ids only — never an address, a date or a token.

pub mod input;
pub mod local;
pub mod pages;
mod survey;

use chrono::{DateTime, Utc};
use kizuna_schedule::forms::{self, StopReason, BIRTH_DATE, DUE_DATE, ONE_CLICK, REASON, TOKEN};
use kizuna_schedule::{japan_date, AnchorKind, SystemMail};

use crate::adapters::dynamo::subscriptions::SubscriptionStore;
use crate::adapters::dynamo::DynamoDeliveries;
use crate::adapters::ses::system_mail;
use crate::adapters::site::published::{Page, Site};
use crate::adapters::site::{LoadedSchedule, Sections};
use crate::domain::links::{EmailHasher, LinkError, LinkKeys, Purpose};
use crate::domain::model::Subscription;
use crate::domain::model::SubscriptionStatus;
use crate::domain::plan::{plan_day, MemoryRecipients, PlanOptions};
use crate::ports::channel::Mailer;
use crate::ports::subscriptions::{Change, PendingSignUp, SignUpOutcome};
use crate::use_cases::delivery::{Delivery, DeliveryOptions, Pacer};
use crate::BoxError;
use input::{Encoding, FieldError, Fields};

/// The largest body accepted.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// Every route the router serves (method, path); the OpenAPI document lists each of them.
pub const ROUTES: [(&str, &str); 12] = [
    ("POST", "/api/subscriptions"),
    ("GET", "/api/confirm"),
    ("POST", "/api/confirm"),
    ("GET", "/api/manage"),
    ("POST", "/api/birth"),
    ("POST", "/api/due-date"),
    ("POST", "/api/stop"),
    ("GET", "/api/unsubscribe"),
    ("POST", "/api/unsubscribe"),
    ("POST", "/api/delete"),
    ("GET", "/api/survey-answers"),
    ("POST", "/api/survey-answers"),
];

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
    fn new(status: u16, content_type: &str, body: String) -> Self {
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

/// Settings of the API.
#[derive(Clone, Debug, Default)]
pub struct ApiConfig {
    /// Origins allowed by CORS (`KIZUNA_API_ALLOWED_ORIGINS`).
    pub allowed_origins: Vec<String>,
    /// Where 303 redirects point (`KIZUNA_ARCHIVE_ORIGIN`); each municipality's archive when unset.
    pub archive_origin: Option<String>,
    /// Send draft entries in the birth registration's baby mail (`KIZUNA_ALLOW_DRAFT`).
    pub allow_draft: bool,
    /// Mails per second for the birth registration's baby mail.
    pub send_rate: f64,
    /// The secret CloudFront sends in [`ORIGIN_VERIFY_HEADER`] (`KIZUNA_ORIGIN_VERIFY`): when set,
    /// requests without it are refused, so the API cannot be called around CloudFront and its WAF.
    pub origin_verify: Option<String>,
}

/// The header CloudFront adds to every request it forwards to the API.
pub const ORIGIN_VERIFY_HEADER: &str = "x-kizuna-origin-verify";

/// The subscription API.
#[derive(Debug)]
pub struct Api<M> {
    /// The tables.
    pub store: SubscriptionStore,
    /// The mail service.
    pub mailer: M,
    /// Link keys.
    pub links: LinkKeys,
    /// The e-mail hasher.
    pub hasher: EmailHasher,
    /// The generator's output.
    pub site: Site,
    /// Reader survey answers.
    pub surveys: crate::adapters::dynamo::survey_answers::DynamoSurveyAnswers,
    /// Settings.
    pub config: ApiConfig,
}

impl Api<crate::adapters::ses::SesMailer> {
    /// The API as the Lambda and the local adapter run it: DynamoDB and SES from `config`, keys,
    /// the schedules' source and the CORS, redirect and origin settings from `settings` (secrets
    /// already resolved).
    pub fn from_settings(
        settings: &crate::settings::Settings,
        config: &aws_config::SdkConfig,
    ) -> Result<Self, BoxError> {
        let schedule = settings.schedule.as_deref().ok_or("KIZUNA_SCHEDULE (or --schedule) is required")?;
        let source = crate::adapters::site::ScheduleSource::parse(schedule)?;
        Ok(Api {
            store: SubscriptionStore::new(
                aws_sdk_dynamodb::Client::new(config),
                &settings.subscriptions_table,
                &settings.deliveries_table,
            ),
            mailer: crate::adapters::ses::SesMailer::new(
                crate::adapters::ses::ses_client(config),
                settings.configuration_set.clone(),
            ),
            links: settings.link_keys()?,
            hasher: settings.email_hasher()?,
            site: Site::from_source(source, config),
            surveys: crate::adapters::dynamo::survey_answers::DynamoSurveyAnswers::new(
                aws_sdk_dynamodb::Client::new(config),
                &settings.survey_answers_table,
            ),
            config: ApiConfig {
                allowed_origins: settings.api_allowed_origins.clone(),
                archive_origin: settings.archive_origin.clone(),
                allow_draft: settings.allow_draft,
                send_rate: settings.max_send_rate.unwrap_or(1.0),
                origin_verify: settings.origin_verify.clone(),
            },
        })
    }
}

/// How the request came, hence how to answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Face {
    Json,
    Form,
    Browser,
}

/// A failure to answer with: status, field, message, and the municipality (and token) whose
/// page to show for forms.
#[derive(Debug)]
struct Failure {
    status: u16,
    errors: Vec<FieldError>,
    page: Option<(String, Page, Option<String>)>,
    values: Option<Fields>,
}

impl Failure {
    fn new(status: u16, field: &str, message: &str) -> Self {
        Failure { status, errors: vec![FieldError::new(field, message)], page: None, values: None }
    }

    fn on(mut self, municipality: &str, page: Page, token: Option<&str>) -> Self {
        self.page = Some((municipality.to_owned(), page, token.map(str::to_owned)));
        self
    }

    fn internal(error: &BoxError) -> Self {
        tracing::error!(error = %error, "internal error");
        Failure::new(500, "body", "一時的なエラーが起きました。時間をおいて、もう一度お試しください。")
    }
}

impl From<FieldError> for Failure {
    fn from(error: FieldError) -> Self {
        Failure { status: 400, errors: vec![error], page: None, values: None }
    }
}

type Outcome = Result<ApiResponse, Failure>;

const TOKEN_MESSAGE: &str = "リンクが正しくないか、有効期限が切れています。最新のメールのリンクから開いてください。";

fn query_param(query: &str, name: &str) -> Result<Option<String>, FieldError> {
    let mut found = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key == name {
            if found.is_some() {
                return Err(FieldError::new(name, "同じ項目が二度送られています。"));
            }
            let bytes: Option<Vec<u8>> = {
                let mut out = Vec::new();
                let mut input = value.bytes();
                let mut ok = true;
                while let Some(b) = input.next() {
                    match b {
                        b'%' => {
                            let hex = |b: Option<u8>| b.and_then(|b| (b as char).to_digit(16));
                            match (hex(input.next()), hex(input.next())) {
                                (Some(h), Some(l)) => out.push(u8::try_from(h * 16 + l).unwrap_or(0)),
                                _ => ok = false,
                            }
                        }
                        b'+' => out.push(b' '),
                        other => out.push(other),
                    }
                }
                ok.then_some(out)
            };
            let text =
                bytes.and_then(|b| String::from_utf8(b).ok()).ok_or_else(|| FieldError::new(name, TOKEN_MESSAGE))?;
            found = Some(text);
        }
    }
    Ok(found)
}

impl<M: Mailer + Sync> Api<M> {
    /// Answers one request at `now`.
    pub async fn handle(&self, request: &ApiRequest, now: DateTime<Utc>) -> ApiResponse {
        let path = request.path.strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(&request.path);
        let origin = request.header("origin");
        if !self.came_through_cloudfront(request) {
            tracing::warn!(route = %route_name(path), status = 403, "api request without the CloudFront origin header");
            return ApiResponse::error(403, "origin", "このアドレスからは利用できません。");
        }
        let mut response = self.route(request, path, origin, now).await;
        if let Some(origin) = origin.filter(|o| self.origin_allowed(o)) {
            response.headers.push(("access-control-allow-origin".into(), origin.to_owned()));
            response.headers.push(("vary".into(), "Origin".into()));
        }
        tracing::info!(method = %request.method.chars().take(10).collect::<String>(), route = %route_name(path), status = response.status, "api");
        response
    }

    /// Whether the request carries CloudFront's origin header (always true when none is configured).
    /// Compared as SHA-256 digests, so the time taken does not reveal how much of a guess matched.
    fn came_through_cloudfront(&self, request: &ApiRequest) -> bool {
        use sha2::{Digest, Sha256};
        let Some(expected) = &self.config.origin_verify else { return true };
        let sent = request.header(ORIGIN_VERIFY_HEADER).unwrap_or_default();
        Sha256::digest(sent.as_bytes()) == Sha256::digest(expected.as_bytes())
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        self.config.allowed_origins.iter().any(|allowed| allowed == origin)
    }

    async fn route(&self, request: &ApiRequest, path: &str, origin: Option<&str>, now: DateTime<Utc>) -> ApiResponse {
        let methods: Vec<&str> = ROUTES.iter().filter(|(_, p)| *p == path).map(|(m, _)| *m).collect();
        if methods.is_empty() {
            return ApiResponse::error(404, "path", "このアドレスは見つかりません。");
        }
        if request.method == "OPTIONS" {
            return match origin.filter(|o| self.origin_allowed(o)) {
                Some(_) => {
                    let mut response = ApiResponse::new(204, "text/plain; charset=utf-8", String::new());
                    response.headers.push(("access-control-allow-methods".into(), methods.join(", ")));
                    response.headers.push(("access-control-allow-headers".into(), "content-type".into()));
                    response.headers.push(("access-control-max-age".into(), "600".into()));
                    response
                }
                None => ApiResponse::error(403, "origin", "このサイトからの利用は許可されていません。"),
            };
        }
        if !methods.contains(&request.method.as_str()) {
            let mut response = ApiResponse::error(405, "method", "この方法では利用できません。");
            response.headers.push(("allow".into(), methods.join(", ")));
            return response;
        }
        let one_click = path == "/api/unsubscribe" && request.method == "POST";
        if let Some(origin) = origin {
            if !one_click && request.method != "GET" && !self.origin_allowed(origin) {
                return ApiResponse::error(403, "origin", "このサイトからの利用は許可されていません。");
            }
        }
        if request.body.len() > MAX_BODY_BYTES {
            return ApiResponse::error(413, "body", "送信された内容が大きすぎます。");
        }
        if path == "/api/survey-answers" && request.method == "POST" {
            // Read by the survey handler itself: a multiple-choice question repeats its name.
            let content_type = request.header("content-type").unwrap_or_default().to_ascii_lowercase();
            if content_type.split(';').next().map(str::trim) != Some("application/x-www-form-urlencoded") {
                return ApiResponse::error(415, "content-type", "フォーム（urlencoded）で送ってください。");
            }
            return match self.survey_answer(&request.body, now).await {
                Ok(response) => response,
                Err(failure) => self.fail(Face::Form, failure).await,
            };
        }
        let (face, fields) = if request.method == "GET" {
            if !request.body.is_empty() {
                return ApiResponse::error(400, "body", "GET に本文は付けられません。");
            }
            (Face::Browser, Fields::default())
        } else {
            let content_type = request.header("content-type").unwrap_or_default().to_ascii_lowercase();
            let (mime, params) = content_type.split_once(';').unwrap_or((content_type.as_str(), ""));
            let (encoding, face) = match mime.trim() {
                "application/json" => (Encoding::Json, Face::Json),
                "application/x-www-form-urlencoded" => (Encoding::UrlEncoded, Face::Form),
                "multipart/form-data" => (Encoding::Multipart, Face::Form),
                _ => {
                    return ApiResponse::error(
                        415,
                        "content-type",
                        "application/json か、フォーム（urlencoded / multipart）で送ってください。",
                    )
                }
            };
            // The boundary keeps its case: take it from the original header.
            let boundary = request.header("content-type").and_then(|original| {
                let lower = original.to_ascii_lowercase();
                lower
                    .find("boundary=")
                    .map(|at| original[at + 9..].split(';').next().unwrap_or("").trim().trim_matches('"').to_owned())
            });
            let _ = params;
            match Fields::parse(encoding, &request.body, boundary.as_deref()) {
                Ok(fields) => (face, fields),
                Err(error) => return self.fail(face, Failure::from(error)).await,
            }
        };
        let outcome = match (request.method.as_str(), path) {
            ("POST", "/api/subscriptions") => self.sign_up(face, &fields, now).await,
            ("GET", "/api/confirm") => self.confirm_page(face, &request.query, &fields, now).await,
            ("POST", "/api/confirm") => self.confirm(face, &request.query, &fields, now).await,
            ("GET", "/api/manage") => self.manage_page(&request.query, now).await,
            ("POST", "/api/birth") => self.birth(face, &fields, now).await,
            ("POST", "/api/due-date") => self.due_date(face, &fields, now).await,
            ("POST", "/api/stop") => self.stop(face, &fields, now).await,
            ("GET", "/api/unsubscribe") => self.unsubscribe_page(&request.query, now).await,
            ("POST", "/api/unsubscribe") => self.unsubscribe(face, &request.query, &fields, now).await,
            ("POST", "/api/delete") => self.delete(face, &fields, now).await,
            ("GET", "/api/survey-answers") => self.survey_form(&request.query, now).await,
            _ => Err(Failure::new(405, "method", "この方法では利用できません。")),
        };
        match outcome {
            Ok(response) => response,
            Err(failure) => self.fail(face, failure).await,
        }
    }

    async fn fail(&self, face: Face, failure: Failure) -> ApiResponse {
        let first = failure.errors.first().cloned().unwrap_or_else(|| FieldError::new("body", "エラー"));
        if face == Face::Json {
            return ApiResponse::error(failure.status, &first.field, &first.message);
        }
        if let Some((municipality, page, token)) = &failure.page {
            let html = match self.site.schedule(municipality).await {
                Ok(Some(schedule)) => self
                    .site
                    .page(&schedule, *page)
                    .await
                    .ok()
                    .flatten()
                    .map(|html| pages::with_base(&html, &self.page_url(&schedule, *page))),
                _ => None,
            };
            if let Some(html) = html {
                let filled = pages::fill_page(&html, token.as_deref(), None, &failure.errors, failure.values.as_ref());
                return ApiResponse::html(failure.status, filled);
            }
        }
        ApiResponse::html(failure.status, pages::fallback_page("エラー", &first.message))
    }

    /// Where a municipality's result page is (for 303).
    fn page_url(&self, schedule: &LoadedSchedule, page: Page) -> String {
        let municipality = &schedule.document.municipality;
        match &self.config.archive_origin {
            Some(origin) => format!("{}/{}/subscribe/{}/", origin.trim_end_matches('/'), municipality.id, page.slug()),
            None => format!("{}subscribe/{}/", municipality.archive_base_url, page.slug()),
        }
    }

    async fn schedule_of(&self, municipality: &str) -> Result<LoadedSchedule, Failure> {
        match self.site.schedule(municipality).await {
            Ok(Some(schedule)) => Ok(schedule),
            Ok(None) => Err(Failure::new(404, "municipality", "この市区町村は見つかりません。")),
            Err(error) => Err(Failure::internal(&error)),
        }
    }

    /// Verifies a token for a purpose and reads its subscription.
    async fn subscription_for(
        &self,
        token: Option<&str>,
        purposes: &[Purpose],
        now: DateTime<Utc>,
    ) -> Result<Subscription, Failure> {
        let token = token.ok_or_else(|| Failure::new(400, TOKEN.name, TOKEN_MESSAGE))?;
        if token.len() > 200 {
            return Err(Failure::new(400, TOKEN.name, TOKEN_MESSAGE));
        }
        let claims = match self.links.verify(token, now.timestamp()) {
            Ok(claims) => claims,
            Err(LinkError::Expired) => return Err(Failure::new(410, TOKEN.name, TOKEN_MESSAGE)),
            Err(LinkError::Malformed) => return Err(Failure::new(400, TOKEN.name, TOKEN_MESSAGE)),
            Err(_) => return Err(Failure::new(403, TOKEN.name, TOKEN_MESSAGE)),
        };
        if !purposes.contains(&claims.purpose) {
            return Err(Failure::new(403, TOKEN.name, TOKEN_MESSAGE));
        }
        match self.store.get(&claims.subscription_id).await {
            Ok(Some(subscription)) => Ok(subscription),
            Ok(None) => Err(Failure::new(
                404,
                TOKEN.name,
                "このご登録は見つかりません。確認の期限（48時間）が過ぎたか、データが削除されています。",
            )),
            Err(error) => Err(Failure::internal(&error)),
        }
    }

    async fn send_system(
        &self,
        schedule: &LoadedSchedule,
        kind: SystemMail,
        subscription: &Subscription,
        now: DateTime<Utc>,
    ) {
        let result = async {
            let frame = self.site.system_mail(schedule, kind).await?;
            let composed = system_mail::compose_system_mail(
                &schedule.document,
                &frame,
                kind,
                subscription,
                &self.links,
                now.timestamp(),
            )?;
            system_mail::send_with_retries(&self.mailer, &composed).await
        }
        .await;
        match result {
            Ok(_) => tracing::info!(subscription = %subscription.id, mail = kind.as_str(), "system mail sent"),
            Err(error) => {
                tracing::error!(subscription = %subscription.id, mail = kind.as_str(), error = %error, "system mail failed")
            }
        }
    }

    async fn sign_up(&self, face: Face, fields: &Fields, now: DateTime<Utc>) -> Outcome {
        use forms::{CONSENT, CONSENT_VERSION_FIELD, DATE, EMAIL, HONEYPOT, KIND, MUNICIPALITY, NICKNAME};
        fields.only(&forms::SIGN_UP.names())?;
        let today = japan_date(now);
        let municipality = input::municipality_id(&fields.required(MUNICIPALITY.name, MUNICIPALITY.label)?)?;
        let schedule = self.schedule_of(&municipality).await?;
        let mut errors = Vec::new();
        let email = fields.required(EMAIL.name, EMAIL.label).and_then(|e| input::email(&e));
        let kind = match fields.required(KIND.name, KIND.label) {
            Ok(kind) => kind.parse::<AnchorKind>().map_err(|_| {
                let choices = format!("「{}」か「{}」", AnchorKind::Due.label(), forms::KIND_BIRTH.label);
                FieldError::new(KIND.name, format!("{choices}を選んでください。"))
            }),
            Err(error) => Err(error),
        };
        let date = match (&kind, fields.required(DATE.name, DATE.label)) {
            (_, Err(error)) => Err(error),
            (Ok(AnchorKind::Due), Ok(value)) => input::due_date(DATE.name, &value, today),
            (Ok(AnchorKind::Birth), Ok(value)) => input::birth_date(DATE.name, &value, today),
            (Err(_), Ok(value)) => input::date(DATE.name, DATE.label, &value),
        };
        let nickname = fields.text(NICKNAME.name, NICKNAME.label).and_then(input::nickname);
        let consent = fields.flag(CONSENT.name, CONSENT.label).and_then(|given| {
            if given {
                Ok(())
            } else {
                Err(FieldError::new(CONSENT.name, "利用規約と個人情報の取り扱いへの同意が必要です。"))
            }
        });
        let consent_version = fields
            .required(CONSENT_VERSION_FIELD.name, CONSENT_VERSION_FIELD.label)
            .and_then(|v| input::consent_version(&v));
        // A field hidden from people: bots fill it in.
        let honeypot = fields.text(HONEYPOT.name, HONEYPOT.label);
        for error in [
            email.as_ref().err(),
            kind.as_ref().err(),
            date.as_ref().err(),
            nickname.as_ref().err(),
            consent.as_ref().err(),
            consent_version.as_ref().err(),
            honeypot.as_ref().err(),
        ]
        .into_iter()
        .flatten()
        {
            errors.push(error.clone());
        }
        if let (Ok(kind), Ok(date)) = (&kind, &date) {
            if !pages::accepts(&schedule.document, *kind, *date, today) {
                errors.push(FieldError::new(
                    KIND.name,
                    match kind {
                        AnchorKind::Due => "この市区町村では、出産予定日での登録を受け付けていません。",
                        AnchorKind::Birth => "この市区町村では、この生年月日のお子さん向けの配信を行っていません。",
                    },
                ));
            }
        }
        if !errors.is_empty() {
            return Err(Failure {
                status: 400,
                errors,
                page: Some((municipality, Page::Signup, None)),
                values: Some(fields.clone()),
            });
        }
        let (Ok(email), Ok(kind), Ok(date), Ok(nickname), Ok(consent_version)) =
            (email, kind, date, nickname, consent_version)
        else {
            return Err(Failure::new(400, "body", "入力内容を確認してください。"));
        };
        let answer = |schedule: &LoadedSchedule| match face {
            Face::Json => ApiResponse::json(
                202,
                &serde_json::json!({
                    "status": "pending",
                    "message": "確認のメールを送りました。48時間以内に、メールのリンクを開いて登録を完了してください。",
                }),
            ),
            _ => ApiResponse::see_other(&self.page_url(schedule, Page::Sent)),
        };
        if matches!(honeypot, Ok(Some(_))) {
            return Ok(answer(&schedule));
        }
        let email_hash = self.hasher.hash(&email);
        let signup = PendingSignUp {
            municipality: municipality.clone(),
            email,
            email_hash: email_hash.clone(),
            anchor_kind: kind,
            anchor_date: date,
            nickname,
            consent_version,
        };
        let outcome = self.store.create_pending(&signup, now).await.map_err(|e| Failure::internal(&e))?;
        let to_confirm = match outcome {
            SignUpOutcome::Created(id) => self.store.get(&id).await.map_err(|e| Failure::internal(&e))?,
            SignUpOutcome::Existing(Some(existing)) if existing.status == SubscriptionStatus::Pending => Some(existing),
            SignUpOutcome::Existing(_) => None,
        };
        if let Some(subscription) = to_confirm {
            let suppressed = self
                .store
                .ids_by_email_hash(&email_hash)
                .await
                .map_err(|e| Failure::internal(&e))?
                .iter()
                .any(|(_, status)| *status == SubscriptionStatus::Bounced);
            let slot = !suppressed
                && self.store.claim_confirmation_slot(&email_hash, now).await.map_err(|e| Failure::internal(&e))?;
            if slot {
                self.send_system(&schedule, SystemMail::Confirm, &subscription, now).await;
            } else {
                tracing::info!(subscription = %subscription.id, "confirmation mail not sent (rate limit or suppressed)");
            }
        }
        Ok(answer(&schedule))
    }

    async fn confirm(&self, face: Face, query: &str, fields: &Fields, now: DateTime<Utc>) -> Outcome {
        fields.only(&forms::CONFIRM.names())?;
        let token = match fields.text(TOKEN.name, TOKEN.label)? {
            Some(token) => Some(token),
            None => query_param(query, TOKEN.name)?,
        };
        let current = self.subscription_for(token.as_deref(), &[Purpose::Confirm], now).await?;
        let schedule = self.schedule_of(&current.municipality).await?;
        let active = match current.status {
            SubscriptionStatus::Pending => {
                match self.store.activate(&current, now).await.map_err(|e| Failure::internal(&e))? {
                    Change::Applied(active) => {
                        self.send_system(&schedule, SystemMail::Welcome, &active, now).await;
                        *active
                    }
                    Change::Refused => {
                        return Err(Failure::new(409, TOKEN.name, "ほかの操作と重なりました。もう一度お試しください。"))
                    }
                }
            }
            SubscriptionStatus::Active => current,
            _ => {
                return Err(Failure::new(409, TOKEN.name, "このご登録は停止されています。").on(
                    &current.municipality,
                    Page::Error,
                    None,
                ));
            }
        };
        let today = japan_date(now);
        let archive_url = pages::current_archive_url(&schedule.document, active.anchor_kind, active.anchor_date, today);
        match face {
            Face::Json => {
                Ok(ApiResponse::json(200, &serde_json::json!({ "status": "active", "archive_url": archive_url })))
            }
            _ => {
                let page = self.site.page(&schedule, Page::Confirmed).await.map_err(|e| Failure::internal(&e))?;
                match page {
                    Some(html) => {
                        let html = pages::with_base(&html, &self.page_url(&schedule, Page::Confirmed));
                        Ok(ApiResponse::html(200, pages::fill_page(&html, None, Some(&archive_url), &[], None)))
                    }
                    None => Ok(ApiResponse::see_other(&archive_url)),
                }
            }
        }
    }

    /// The page the mailed confirmation link opens. Only its button (a POST) confirms: mail scanners
    /// and link previews open links by GET, and must not complete a sign-up the address's owner
    /// never made. A link opened again after confirming shows the confirmed page, as POST would.
    async fn confirm_page(&self, face: Face, query: &str, fields: &Fields, now: DateTime<Utc>) -> Outcome {
        let token = query_param(query, TOKEN.name)?;
        let current = self.subscription_for(token.as_deref(), &[Purpose::Confirm], now).await?;
        match current.status {
            SubscriptionStatus::Pending => self.served_page(&current, Page::Confirm, token.as_deref()).await,
            _ => self.confirm(face, query, fields, now).await,
        }
    }

    async fn manage_page(&self, query: &str, now: DateTime<Utc>) -> Outcome {
        let token = query_param(query, TOKEN.name)?;
        let current = self.subscription_for(token.as_deref(), &[Purpose::Manage], now).await?;
        self.served_page(&current, Page::Manage, token.as_deref()).await
    }

    async fn unsubscribe_page(&self, query: &str, now: DateTime<Utc>) -> Outcome {
        let token = query_param(query, TOKEN.name)?;
        let current = self.subscription_for(token.as_deref(), &[Purpose::Unsubscribe], now).await?;
        self.served_page(&current, Page::Unsubscribe, token.as_deref()).await
    }

    async fn served_page(&self, current: &Subscription, page: Page, token: Option<&str>) -> Outcome {
        let schedule = self.schedule_of(&current.municipality).await?;
        match self.site.page(&schedule, page).await.map_err(|e| Failure::internal(&e))? {
            Some(html) => {
                let html = pages::with_base(&html, &self.page_url(&schedule, page));
                Ok(ApiResponse::html(200, pages::fill_page(&html, token, None, &[], None)))
            }
            None => Err(Failure::internal(&BoxError::from("subscription page missing"))),
        }
    }

    /// The token of a manage form and its subscription; form errors show the manage page again.
    async fn managed(
        &self,
        fields: &Fields,
        allowed: &[&str],
        now: DateTime<Utc>,
    ) -> Result<(Subscription, String), Failure> {
        fields.only(allowed)?;
        let token = fields.text(TOKEN.name, TOKEN.label)?;
        let current = self.subscription_for(token.as_deref(), &[Purpose::Manage], now).await?;
        Ok((current, token.unwrap_or_default()))
    }

    async fn birth(&self, face: Face, fields: &Fields, now: DateTime<Utc>) -> Outcome {
        let (current, token) = self.managed(fields, &forms::BIRTH.names(), now).await?;
        let on_page = |failure: Failure| failure.on(&current.municipality, Page::Manage, Some(&token));
        let today = japan_date(now);
        let birth = fields
            .required(BIRTH_DATE.name, BIRTH_DATE.label)
            .and_then(|value| input::birth_date(BIRTH_DATE.name, &value, today))
            .map_err(|e| on_page(e.into()))?;
        if current.anchor_kind != AnchorKind::Due {
            return Err(on_page(Failure::new(409, BIRTH_DATE.name, "出産の登録はすでに済んでいます。")));
        }
        let schedule = self.schedule_of(&current.municipality).await?;
        let updated = match self.store.register_birth(&current, birth, now).await.map_err(|e| Failure::internal(&e))? {
            Change::Applied(updated) => *updated,
            Change::Refused => {
                return Err(on_page(Failure::new(
                    409,
                    BIRTH_DATE.name,
                    "このご登録では出産の登録ができません（登録の確認が済んでいないか、配信が停止されています）。",
                )))
            }
        };
        self.send_system(&schedule, SystemMail::BirthRegistered, &updated, now).await;
        self.deliver_today(&schedule, &updated, today).await;
        self.done(face, &schedule, Page::Updated, serde_json::json!({ "status": "active", "anchor_kind": "birth" }))
    }

    /// Today's track mail for a subscription whose anchor just changed, through the delivery code
    /// (reservation with the subscription check, at most once per entry).
    async fn deliver_today(&self, schedule: &LoadedSchedule, subscription: &Subscription, today: chrono::NaiveDate) {
        let mut source = MemoryRecipients::new();
        source.insert(subscription.recipient());
        let options = PlanOptions { allow_draft: self.config.allow_draft };
        let plan = match plan_day(&schedule.document, today, &source, options).await {
            Ok(plan) if !plan.mails.is_empty() => plan,
            Ok(_) => return,
            Err(error) => {
                tracing::error!(subscription = %subscription.id, error = %error, "planning today's mail failed");
                return;
            }
        };
        let sections = match Sections::fetch_for(schedule, &plan.mails).await {
            Ok(sections) => sections,
            Err(error) => {
                tracing::error!(subscription = %subscription.id, error = %error, "cannot load today's sections");
                return;
            }
        };
        let store = DynamoDeliveries::new(
            self.store.client().clone(),
            self.store.subscriptions_table(),
            self.store.deliveries_table(),
        );
        let pacer = Pacer::new(self.config.send_rate.max(1.0));
        let delivery = Delivery {
            store: &store,
            mailer: &self.mailer,
            pacer: &pacer,
            options: DeliveryOptions { concurrency: 1, max_attempts: 4, ..DeliveryOptions::default() },
        };
        let composer = crate::adapters::ses::compose::Composer {
            schedule: &schedule.document,
            sections: &sections,
            links: &self.links,
            now: Utc::now().timestamp(),
        };
        let counts = delivery.deliver_plan(&plan, &composer).await;
        tracing::info!(subscription = %subscription.id, sent = counts.sent, "today's mail after the anchor change");
    }

    fn done(&self, face: Face, schedule: &LoadedSchedule, page: Page, json: serde_json::Value) -> Outcome {
        Ok(match face {
            Face::Json => ApiResponse::json(200, &json),
            _ => ApiResponse::see_other(&self.page_url(schedule, page)),
        })
    }

    async fn due_date(&self, face: Face, fields: &Fields, now: DateTime<Utc>) -> Outcome {
        let (current, token) = self.managed(fields, &forms::CHANGE_DUE_DATE.names(), now).await?;
        let on_page = |failure: Failure| failure.on(&current.municipality, Page::Manage, Some(&token));
        let today = japan_date(now);
        let due = fields
            .required(DUE_DATE.name, DUE_DATE.label)
            .and_then(|value| input::due_date(DUE_DATE.name, &value, today))
            .map_err(|e| on_page(e.into()))?;
        if current.anchor_kind != AnchorKind::Due {
            return Err(on_page(Failure::new(
                409,
                DUE_DATE.name,
                "出産の登録が済んでいるため、予定日は変更できません。",
            )));
        }
        let schedule = self.schedule_of(&current.municipality).await?;
        if current.anchor_date != due {
            match self.store.change_due_date(&current, due, now).await.map_err(|e| Failure::internal(&e))? {
                Change::Applied(_) => {}
                Change::Refused => {
                    return Err(on_page(Failure::new(
                        409,
                        DUE_DATE.name,
                        "このご登録では予定日を変更できません（配信が停止されています）。",
                    )))
                }
            }
        }
        self.done(
            face,
            &schedule,
            Page::Updated,
            serde_json::json!({ "status": current.status.as_str(), "anchor_kind": "due" }),
        )
    }

    async fn stop(&self, face: Face, fields: &Fields, now: DateTime<Utc>) -> Outcome {
        let (current, token) = self.managed(fields, &forms::STOP.names(), now).await?;
        let on_page = |failure: Failure| failure.on(&current.municipality, Page::Manage, Some(&token));
        let reason = fields.required(REASON.name, REASON.label).map_err(|e| on_page(e.into()))?;
        let Ok(reason) = reason.parse::<StopReason>() else {
            return Err(on_page(Failure::new(400, REASON.name, "停止の理由を選んでください。")));
        };
        let schedule = self.schedule_of(&current.municipality).await?;
        match self
            .store
            .end(&current, SubscriptionStatus::Stopped, Some(reason.id()), now)
            .await
            .map_err(|e| Failure::internal(&e))?
        {
            Change::Applied(stopped) => {
                let kind = if reason.is_loss() { SystemMail::StoppedLoss } else { SystemMail::Stopped };
                self.send_system(&schedule, kind, &stopped, now).await;
            }
            Change::Refused
                if !matches!(
                    current.status,
                    SubscriptionStatus::Pending | SubscriptionStatus::Active | SubscriptionStatus::Completed
                ) => {}
            Change::Refused => {
                return Err(on_page(Failure::new(
                    409,
                    REASON.name,
                    "ほかの操作と重なりました。もう一度お試しください。",
                )))
            }
        }
        self.done(face, &schedule, Page::Stopped, serde_json::json!({ "status": "stopped" }))
    }

    async fn unsubscribe(&self, face: Face, query: &str, fields: &Fields, now: DateTime<Utc>) -> Outcome {
        let one_click = fields.has(ONE_CLICK.name);
        if one_click {
            fields.only(&forms::ONE_CLICK_UNSUBSCRIBE.names())?;
            if fields.required(ONE_CLICK.name, ONE_CLICK.label)? != forms::ONE_CLICK_VALUE {
                return Err(Failure::new(400, ONE_CLICK.name, "List-Unsubscribe=One-Click を送ってください。"));
            }
        } else {
            fields.only(&forms::UNSUBSCRIBE.names())?;
        }
        let token = match fields.text(TOKEN.name, TOKEN.label)? {
            Some(token) => Some(token),
            None => query_param(query, TOKEN.name)?,
        };
        let current = self.subscription_for(token.as_deref(), &[Purpose::Unsubscribe], now).await?;
        let schedule = self.schedule_of(&current.municipality).await?;
        if let Change::Applied(ended) = self
            .store
            .end(&current, SubscriptionStatus::Unsubscribed, Some("unsubscribe"), now)
            .await
            .map_err(|e| Failure::internal(&e))?
        {
            self.send_system(&schedule, SystemMail::Unsubscribed, &ended, now).await;
        }
        if one_click {
            return Ok(ApiResponse::new(200, "text/plain; charset=utf-8", "配信を解除しました。\n".to_owned()));
        }
        self.done(face, &schedule, Page::Unsubscribed, serde_json::json!({ "status": "unsubscribed" }))
    }

    async fn delete(&self, face: Face, fields: &Fields, now: DateTime<Utc>) -> Outcome {
        let (current, _) = self.managed(fields, &forms::DELETE.names(), now).await?;
        let schedule = self.schedule_of(&current.municipality).await?;
        self.store.delete_everything(&current.id).await.map_err(|e| Failure::internal(&e))?;
        tracing::info!(subscription = %current.id, "deleted on request");
        self.done(face, &schedule, Page::Deleted, serde_json::json!({ "status": "deleted" }))
    }
}

fn route_name(path: &str) -> &'static str {
    ROUTES.iter().find(|(_, p)| *p == path).map_or("unknown", |(_, p)| p)
}
