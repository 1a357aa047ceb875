//! The subscription API (DESIGN.md §6) as a library: a router over method, path, headers and body,
//! so the `api-lambda` binary stays a thin wrapper over API Gateway HTTP API events
//! ([`crate::lambdas::api`]).
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
//! | `POST /api/line/register` | LINE registration from the chat's link → active LINE subscription + welcome push |
//!
//! Logs carry the route, the status and subscription ids only — never an address, a date or a token.

pub mod input;
mod line_register;
pub mod local;
mod manage;
pub mod pages;
mod responses;
mod signup;
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
use crate::ports::deliveries::DeliveryStore;
use crate::ports::published_site::PublishedSite;
use crate::ports::subscriptions::Subscriptions;
use crate::ports::subscriptions::{Change, PendingSignUp, SignUpOutcome};
use crate::use_cases::delivery::{Delivery, DeliveryOptions, Pacer};
use crate::BoxError;
use input::{Encoding, FieldError, Fields};

/// The largest body accepted.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// Every route the router serves (method, path); the OpenAPI document lists each of them.
pub const ROUTES: [(&str, &str); 13] = [
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
    ("POST", "/api/line/register"),
];

pub use line_register::ApiLine;
pub use responses::{ApiRequest, ApiResponse};

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

/// The subscription API, over the ports it needs: the subscriptions `S`, the published site `P` and
/// the delivery records `D` (today's message after a birth or a LINE registration). Production
/// wires the DynamoDB and S3/directory adapters (the defaults, [`Api::from_settings`]); the
/// validation tests wire the in-memory twins of `crate::adapters::memory`.
#[derive(Debug)]
pub struct Api<M, S = SubscriptionStore, P = Site, D = DynamoDeliveries> {
    /// The subscriptions.
    pub store: S,
    /// The mail service.
    pub mailer: M,
    /// Link keys.
    pub links: LinkKeys,
    /// The e-mail hasher.
    pub hasher: EmailHasher,
    /// The generator's output.
    pub site: P,
    /// The delivery records (at most one per subscription and entry).
    pub deliveries: D,
    /// Reader survey answers.
    pub surveys: crate::adapters::dynamo::survey_answers::DynamoSurveyAnswers,
    /// Settings.
    pub config: ApiConfig,
    /// LINE registrations (`None`: `POST /api/line/register` answers 404).
    pub line: Option<ApiLine>,
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
        let dynamo = aws_sdk_dynamodb::Client::new(config);
        Ok(Api {
            store: SubscriptionStore::new(dynamo.clone(), &settings.subscriptions_table, &settings.deliveries_table),
            deliveries: DynamoDeliveries::new(dynamo, &settings.subscriptions_table, &settings.deliveries_table),
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
            line: Some(ApiLine {
                channels: settings.line_channels(config)?,
                state: crate::adapters::dynamo::line_state::DynamoLineState::new(
                    aws_sdk_dynamodb::Client::new(config),
                    &settings.subscriptions_table,
                    &settings.deliveries_table,
                ),
            }),
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

impl<M: Mailer + Sync, S: Subscriptions + Sync, P: PublishedSite + Sync, D: DeliveryStore + Sync> Api<M, S, P, D> {
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
        // Long on purpose: one arm per route of the table in the module documentation.
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
            ("POST", "/api/line/register") => self.line_register(face, &fields, now).await,
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
        self.slug_url(schedule, page.slug())
    }

    /// The published address of `<muni>/subscribe/<slug>/` (also the LINE towns' own pages).
    fn slug_url(&self, schedule: &LoadedSchedule, slug: &str) -> String {
        let municipality = &schedule.document.municipality;
        match &self.config.archive_origin {
            Some(origin) => format!("{}/{}/subscribe/{slug}/", origin.trim_end_matches('/'), municipality.id),
            None => format!("{}subscribe/{slug}/", municipality.archive_base_url),
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
        // A LINE family gets the same message in its chat (`line/system/<kind>.json`).
        if let Some(recipient) = &subscription.line {
            if let Some(line_kind) = line_register::system_line(kind) {
                let about = (subscription.id.as_str(), subscription.nickname.as_deref());
                self.push_system(schedule, line_kind, about, recipient, now).await;
            }
            return;
        }
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
}

fn route_name(path: &str) -> &'static str {
    ROUTES.iter().find(|(_, p)| *p == path).map_or("unknown", |(_, p)| p)
}
