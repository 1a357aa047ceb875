//! Fixtures of the subscription API tests: an emulator with fresh tables, a municipality written to
//! a temporary `public/` (schedule, sections, transactional mails, subscription pages with the
//! markers the API fills), the API itself, and calls through the real Lambda handler.

#![allow(dead_code)]

mod calls;
pub mod memory;
pub mod surveys;
mod tables;

pub use calls::ApiCalls;
pub use tables::Tables;
// The `api_logs` binary, which includes this module too, uses only the moto world.
#[allow(unused_imports)]
pub use memory::MemoryWorld;

use std::collections::BTreeMap;
use std::path::Path;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use chrono::{Days, NaiveDate, Utc};
use kizuna_schedule::{japan_today, MailFrame, ScheduleDocument, SystemMail, TrackId};
use kizuna_sender::adapters::dynamo::survey_answers::DynamoSurveyAnswers;
use kizuna_sender::adapters::dynamo::{DynamoDeliveries, DynamoRecipients};
use kizuna_sender::adapters::ses::compose::Composer;
use kizuna_sender::adapters::ses::{ses_client, SesMailer};
use kizuna_sender::adapters::site::published::Page;
use kizuna_sender::adapters::site::{load_schedule, LoadedSchedule, Sections};
use kizuna_sender::domain::links::{EmailHasher, LinkKeys};
use kizuna_sender::domain::plan::{plan_day, DayPlan, PlanOptions};
use kizuna_sender::http::{Api, ApiConfig};
use kizuna_sender::lambdas::api::handle_event;
use kizuna_sender::use_cases::delivery::{Delivery, DeliveryCounts, DeliveryOptions, Pacer};
use lambda_runtime::{Context, LambdaEvent};
use mail_parser::MessageParser;

use crate::common::moto::Moto;
use crate::common::{municipality, schedule, track_entry, write_schedule};

pub const SECRET: &str = "k1:api-test-secret-api-test-secret-0123456";
/// The key of the API's e-mail hasher (`KIZUNA_EMAIL_HASH_KEY`).
pub const HASH_KEY: &[u8] = b"api-test-email-hash-key-0123456789abcdef";
pub const MUNI: &str = "hikari";
pub const ORIGIN: &str = "https://kizuna.example.jp";

/// The API's settings in the API tests: the fixture origin, no drafts, 50 mails a second.
pub fn api_config() -> ApiConfig {
    ApiConfig {
        allowed_origins: vec![ORIGIN.to_owned()],
        archive_origin: None,
        allow_draft: false,
        send_rate: 50.0,
        origin_verify: None,
    }
}

/// Today in Japan, shifted.
pub fn today_plus(days: i64) -> NaiveDate {
    let today = japan_today();
    if days >= 0 {
        today.checked_add_days(Days::new(days.unsigned_abs())).expect("date")
    } else {
        today.checked_sub_days(Days::new(days.unsigned_abs())).expect("date")
    }
}

/// `NwDd` of a day count since the LMP.
pub fn stem(days_since_lmp: i64) -> String {
    format!("{}w{}d", days_since_lmp / 7, days_since_lmp % 7)
}

/// The due date used by most tests: today is 25w5d (day 180).
pub fn due() -> NaiveDate {
    today_plus(100)
}

/// The fixture municipality: maternity entries for days 179–182 since the LMP of [`due`] and its
/// neighbours, baby entries for 生後1–3日目.
pub fn document() -> ScheduleDocument {
    document_for(MUNI)
}

/// [`document`] for another municipality id (the reports test has two).
pub fn document_for(id: &str) -> ScheduleDocument {
    let mut entries = Vec::new();
    for day in 170..=190 {
        let id = format!("maternity/{}", stem(day));
        entries.push(track_entry(&id, serde_json::json!({ "pregnancy": stem(day) })));
    }
    for day in 1..=3 {
        entries.push(track_entry(&format!("baby/day-{day:03}"), serde_json::json!({ "day": day })));
    }
    let mut doc = schedule(municipality(id, &[TrackId::Maternity, TrackId::Baby], &[]), entries);
    for kind in SystemMail::ALL {
        doc.mail.system.insert(kind, format!("mail/system/{}.json", kind.as_str()));
    }
    doc
}

/// A transactional mail frame whose subject and body name its kind.
pub fn system_frame(kind: SystemMail) -> MailFrame {
    MailFrame {
        subject: format!("【ひかり】{}", kind.as_str()),
        html: format!("<p>%%nickname%%</p><p>[[{}]]</p><a href=\"%%manage_url%%\">リンク</a>", kind.as_str()),
        text: format!("%%nickname%%\n[[{}]]\nリンク: %%manage_url%%\n配信解除: %%unsubscribe_url%%\n", kind.as_str()),
    }
}

/// A page with the markers and field ids the API relies on.
pub fn page_html(page: Page) -> String {
    let body = match page {
        Page::Signup => "<form method=\"post\" action=\"/api/subscriptions\"><!--kizuna:errors-->\
             <input type=\"hidden\" name=\"municipality\" value=\"hikari\">\
             <label for=\"field-email\">メールアドレス</label><!--kizuna:error:email-->\
             <input id=\"field-email\" type=\"email\" name=\"email\" value=\"\">\
             <!--kizuna:error:date--><input id=\"field-date\" type=\"date\" name=\"date\" value=\"\">\
             </form>"
            .to_owned(),
        Page::Manage => "<form method=\"post\" action=\"/api/birth\"><!--kizuna:errors-->\
             <input type=\"hidden\" name=\"token\" value=\"%%token%%\">\
             <!--kizuna:error:birth_date--><input id=\"field-birth_date\" name=\"birth_date\" value=\"\"></form>"
            .to_owned(),
        Page::Confirm => "<form method=\"post\" action=\"/api/confirm\">\
             <input type=\"hidden\" name=\"token\" value=\"%%token%%\"><button>登録を完了する</button></form>"
            .to_owned(),
        Page::Unsubscribe => "<form method=\"post\" action=\"/api/unsubscribe\">\
             <input type=\"hidden\" name=\"token\" value=\"%%token%%\"><button>解除する</button></form>"
            .to_owned(),
        Page::Confirmed => "<a href=\"%%archive_url%%\">今週のメッセージ</a>".to_owned(),
        other => format!("<p>[[page {}]]</p>", other.slug()),
    };
    format!("<!DOCTYPE html><html lang=\"ja\"><body><main><h1>{}</h1>{body}</main></body></html>", page.slug())
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("write");
}

/// Writes the municipality, its transactional mails and its pages.
pub fn write_site(root: &Path) -> ScheduleDocument {
    write_site_for(root, MUNI)
}

/// [`write_site`] for another municipality id, beside the first.
pub fn write_site_for(root: &Path, id: &str) -> ScheduleDocument {
    let document = write_schedule(root, document_for(id));
    let dir = root.join(id);
    for kind in SystemMail::ALL {
        let frame = serde_json::to_vec(&system_frame(kind)).expect("json");
        write(&dir.join(format!("mail/system/{}.json", kind.as_str())), &frame);
    }
    for page in Page::ALL {
        write(&dir.join(format!("subscribe/{}/index.html", page.slug())), page_html(page).as_bytes());
    }
    document
}

/// One mail moto (or the in-memory mailer) captured, parsed.
#[derive(Clone, Debug)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub list_unsubscribe: Option<String>,
}

impl Mail {
    /// Parses a raw RFC 5322 message.
    pub fn parse(raw: &[u8]) -> Mail {
        let message = MessageParser::default().parse(raw).expect("mail parses");
        Mail {
            to: message.to().and_then(|to| to.first()).and_then(|a| a.address()).unwrap_or_default().to_owned(),
            subject: message.subject().unwrap_or_default().to_owned(),
            text: message.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
            html: message.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
            list_unsubscribe: message.header("List-Unsubscribe").and_then(|h| {
                h.as_text()
                    .map(str::to_owned)
                    .or_else(|| h.as_address().and_then(|a| a.first()).and_then(|a| a.address()).map(str::to_owned))
            }),
        }
    }
}

/// Every mail a moto captured, parsed.
pub async fn captured_mails(moto: &Moto) -> Vec<Mail> {
    moto.sent().await.iter().map(|captured| Mail::parse(captured.raw.as_bytes())).collect()
}

/// The emulator, tables, site and API.
pub struct World {
    pub moto: Moto,
    pub api: Api<SesMailer>,
    pub dynamo: aws_sdk_dynamodb::Client,
    pub subscriptions: String,
    pub deliveries: String,
    pub links: LinkKeys,
    pub hasher: EmailHasher,
    pub dir: tempfile::TempDir,
    pub document: ScheduleDocument,
}

impl ApiCalls for World {
    fn links(&self) -> &LinkKeys {
        &self.links
    }

    async fn handle(&self, event: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
        handle_event(&self.api, LambdaEvent::new(event, Context::default())).await.expect("handler")
    }

    async fn mails(&self) -> Vec<Mail> {
        captured_mails(&self.moto).await
    }

    async fn dump(&self) -> String {
        self.dump_tables().await
    }
}

impl World {
    pub async fn new() -> World {
        let moto = Moto::start().await;
        let config = moto.config().await;
        let tables = Tables::create(&config).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let document = write_site(dir.path());
        moto.verify_identities(std::slice::from_ref(&document.municipality.email.from)).await;
        let links = LinkKeys::parse(SECRET).expect("secret");
        let hasher = EmailHasher::new(HASH_KEY);
        let surveys = DynamoSurveyAnswers::new(tables.dynamo.clone(), "survey-answers-unused");
        let mailer = SesMailer::new(ses_client(&config), None);
        let api = tables.api(mailer, links.clone(), hasher.clone(), dir.path(), surveys, api_config());
        let Tables { dynamo, subscriptions, deliveries } = tables;
        World { moto, api, dynamo, subscriptions, deliveries, links, hasher, dir, document }
    }

    /// Every item of both tables, as sorted JSON-ish text (tests may scan; the code never does).
    async fn dump_tables(&self) -> String {
        let mut out = BTreeMap::new();
        for table in [&self.subscriptions, &self.deliveries] {
            let items = self.dynamo.scan().table_name(table).send().await.expect("scan");
            let mut rows: Vec<String> = items
                .items()
                .iter()
                .map(|item| {
                    let sorted: BTreeMap<&String, String> = item.iter().map(|(k, v)| (k, format!("{v:?}"))).collect();
                    format!("{sorted:?}")
                })
                .collect();
            rows.sort();
            out.insert(table.clone(), rows);
        }
        format!("{out:#?}")
    }

    pub fn source(&self) -> DynamoRecipients {
        DynamoRecipients::new(self.dynamo.clone(), &self.subscriptions)
    }

    pub fn deliveries_store(&self) -> DynamoDeliveries {
        DynamoDeliveries::new(self.dynamo.clone(), &self.subscriptions, &self.deliveries)
    }

    /// The municipality's published schedule.
    pub fn schedule(&self) -> LoadedSchedule {
        load_schedule(&self.dir.path().join(MUNI)).expect("schedule loads")
    }

    /// Plans a Japan date for the municipality (reading `by_anchor`); the plan borrows its schedule.
    pub async fn plan<'a>(&self, loaded: &'a LoadedSchedule, date: NaiveDate) -> DayPlan<'a> {
        plan_day(&loaded.document, date, &self.source(), PlanOptions::default()).await.expect("plan")
    }

    /// Delivers a plan through the delivery code.
    pub async fn deliver(&self, loaded: &LoadedSchedule, plan: &DayPlan<'_>) -> DeliveryCounts {
        let sections = Sections::fetch_for(loaded, &plan.mails).await.expect("sections");
        let store = self.deliveries_store();
        let pacer = Pacer::new(100.0);
        let delivery =
            Delivery { store: &store, mailer: &self.api.mailer, pacer: &pacer, options: DeliveryOptions::default() };
        let composer = Composer {
            schedule: &loaded.document,
            sections: &sections,
            links: &self.links,
            now: Utc::now().timestamp(),
        };
        delivery.deliver_plan(plan, &composer).await
    }

    /// Plans and delivers a Japan date.
    pub async fn run(&self, date: NaiveDate) -> DeliveryCounts {
        let loaded = self.schedule();
        let plan = self.plan(&loaded, date).await;
        self.deliver(&loaded, &plan).await
    }
}

/// Percent-encodes a form component.
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The first link in a text that starts with `prefix`, up to whitespace.
pub fn link(text: &str, prefix: &str) -> Option<String> {
    let at = text.find(prefix)?;
    Some(text[at..].split_whitespace().next()?.to_owned())
}

/// The token of a link.
pub fn token_of(url: &str) -> String {
    url.split_once("token=").map(|(_, t)| t.to_owned()).expect("token in link")
}

/// Survey answers the validation tests never reach (no survey route is called there): a DynamoDB
/// client on a closed loopback port, so a call would fail loudly rather than touch a real table.
pub fn unreachable_survey_answers() -> kizuna_sender::adapters::dynamo::survey_answers::DynamoSurveyAnswers {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("ap-northeast-1"))
        .endpoint_url("http://127.0.0.1:9")
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "test"))
        .build();
    kizuna_sender::adapters::dynamo::survey_answers::DynamoSurveyAnswers::new(
        aws_sdk_dynamodb::Client::from_conf(config),
        "survey-answers-unused",
    )
}
