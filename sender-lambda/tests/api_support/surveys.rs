//! What the survey tests share (issue 20): a moto world with the survey answers table and the API
//! over it, the fixture survey and its questions, families stored directly, the day's run counting
//! invitations as the CLI and the Lambda do, and the reader's side — the invitation read back from
//! moto's mail and the answer posted as the survey page's form posts it.

use chrono::{NaiveDate, Utc};
use kizuna_schedule::survey::{Choice, OpenPeriod, Question, QuestionKind, SurveyEntry, SurveyScope};
use kizuna_schedule::{japan_today, AnchorKind, CalendarDate, ReviewStatus, Rule, TrackId};
use kizuna_sender::adapters::dynamo::survey_answers::DynamoSurveyAnswers;
use kizuna_sender::adapters::ses::{ses_client, SesMailer};
use kizuna_sender::adapters::site::{load_schedule_dir, LoadedSchedule};
use kizuna_sender::domain::links::{EmailHasher, LinkKeys};
use kizuna_sender::http::{Api, ApiConfig, ApiRequest, ApiResponse};
use kizuna_sender::ports::channel::Channel;
use kizuna_sender::use_cases::daily_run::{run_day, RunRequest};
use kizuna_sender::use_cases::delivery::{Delivery, DeliveryOptions, Pacer};
use kizuna_sender::use_cases::run_summary::RunSummary;
use kizuna_sender::use_cases::surveys::CountingInvitations;

use super::{captured_mails, encode, link, token_of, Mail, Tables, HASH_KEY, ORIGIN, SECRET};
use crate::common::moto::Moto;
use crate::common::subscription;

/// A question of the fixture surveys: its text names its id, its choices are numbered.
pub fn question(id: &str, kind: QuestionKind, labels: &[&str], origin: SurveyScope, required: bool) -> Question {
    Question {
        id: id.to_owned(),
        kind,
        text: format!("{id}の質問"),
        choices: Choice::numbered(labels),
        required,
        origin,
    }
}

/// The national questions of the fixture surveys: 問1 reading (required, one choice), 問2 helpful
/// (any choices).
pub fn national_questions() -> Vec<Question> {
    vec![
        question(
            "reading",
            QuestionKind::Single,
            &["必ず読む", "ときどき読む", "読まない"],
            SurveyScope::National,
            true,
        ),
        question("helpful", QuestionKind::Multiple, &["成長", "健康", "地域"], SurveyScope::National, false),
    ]
}

/// A national survey `id` of `town`, asked today of the baby track, open for `open`.
pub fn survey(id: &str, town: &str, open: OpenPeriod, questions: Vec<Question>) -> SurveyEntry {
    SurveyEntry {
        id: id.to_owned(),
        scope: SurveyScope::National,
        title: "読者アンケート".to_owned(),
        when: Rule::Date(CalendarDate(japan_today())),
        tracks: Some(vec![TrackId::Baby]),
        open,
        url: format!("{ORIGIN}/{town}/surveys/{id}/"),
        section: format!("mail/sections/survey/{id}.json"),
        hash: String::new(),
        line: None,
        review: ReviewStatus::Draft,
        questions,
    }
}

/// Two emulators (DynamoDB and Secrets Manager in one, SES in the other, so reading the captured
/// mail never serialises the tables), the tables with the survey answers, and the API over them
/// reading the site from the directory a test writes or builds (`site`).
pub struct SurveyWorld {
    pub moto: Moto,
    pub ses_moto: Moto,
    pub tables: Tables,
    pub answers: DynamoSurveyAnswers,
    pub links: LinkKeys,
    pub api: Api<SesMailer>,
    pub site: tempfile::TempDir,
}

impl SurveyWorld {
    pub async fn new() -> SurveyWorld {
        let site = tempfile::tempdir().expect("site");
        let (moto, ses_moto) = (Moto::start().await, Moto::start().await);
        let tables = Tables::create(&moto.config().await).await;
        let answers = tables.survey_answers().await;
        let links = LinkKeys::parse(SECRET).expect("secret");
        let mailer = SesMailer::new(ses_client(&ses_moto.config().await), None);
        let config = ApiConfig { allowed_origins: vec![ORIGIN.to_owned()], ..ApiConfig::default() };
        let api = tables.api(mailer, links.clone(), EmailHasher::new(HASH_KEY), site.path(), answers.clone(), config);
        SurveyWorld { moto, ses_moto, tables, answers, links, api, site }
    }

    /// A mailer sending through the SES emulator.
    pub async fn mailer(&self) -> SesMailer {
        SesMailer::new(ses_client(&self.ses_moto.config().await), None)
    }

    /// Stores an active family `<id>@example.jp` of `town`.
    pub async fn subscribe(&self, id: &str, town: &str, kind: AnchorKind, anchor: NaiveDate) {
        self.api.store.put_new(&subscription(id, town, kind, anchor, &self.api.hasher)).await.expect("subscribe");
    }

    /// The schedules of the site, as the sender loads them.
    pub fn schedules(&self) -> Vec<LoadedSchedule> {
        load_schedule_dir(self.site.path(), None).expect("the sender loads the site")
    }

    /// Verifies every municipality's sender address in the SES emulator.
    pub async fn verify_senders(&self) {
        let senders: Vec<String> =
            self.schedules().iter().map(|s| s.document.municipality.email.from.clone()).collect();
        self.ses_moto.verify_identities(&senders).await;
    }

    /// Today's delivery run of the site through `channel`, counting the invitations it sends as
    /// the CLI and the Lambda do. One mail at a time: moto does not apply concurrent `ADD`s to one
    /// item atomically (DynamoDB does), and readers of one stage share an invitation counter.
    pub async fn run_today<C: Channel + Sync>(&self, channel: &C) -> RunSummary {
        let schedules = self.schedules();
        let counting = CountingInvitations { inner: channel, store: &self.answers };
        let (source, store, pacer) = (self.tables.source(), self.tables.deliveries_store(), Pacer::new(10_000.0));
        let options = DeliveryOptions { concurrency: 1, ..DeliveryOptions::default() };
        let delivery = Delivery { store: &store, mailer: &counting, pacer: &pacer, options };
        let request = RunRequest { date: japan_today(), dry_run: false, allow_draft: true };
        run_day(&schedules, &source, &delivery, &self.links, &request).await
    }

    /// A request to the router as a browser sends it: a path with its query and a form body.
    pub async fn call(&self, method: &str, path_and_query: &str, body: &str) -> ApiResponse {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let request = ApiRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers: vec![("content-type".to_owned(), "application/x-www-form-urlencoded".to_owned())],
            body: body.as_bytes().to_vec(),
        };
        self.api.handle(&request, Utc::now()).await
    }

    /// Posts answers with a reader's token as the survey page's form does (`q-<question>=<value>`).
    pub async fn answer(&self, token: &str, fields: &[(&str, &str)]) -> ApiResponse {
        let mut body = format!("token={}", encode(token));
        for (name, value) in fields {
            body.push_str(&format!("&q-{name}={}", encode(value)));
        }
        self.call("POST", "/api/survey-answers", &body).await
    }

    /// The mails delivered to `<id>@example.jp`.
    pub async fn mails_to(&self, id: &str) -> Vec<Mail> {
        let to = format!("{id}@example.jp");
        captured_mails(&self.ses_moto).await.into_iter().filter(|mail| mail.to == to).collect()
    }

    /// The survey token in the invitation mailed to `<id>@example.jp`.
    pub async fn invitation_token(&self, id: &str) -> String {
        let mails = self.mails_to(id).await;
        let invitation = mails.iter().find_map(|mail| link(&mail.text, &format!("{ORIGIN}/api/survey-answers?token=")));
        token_of(&invitation.unwrap_or_else(|| panic!("no invitation mailed to {id}")))
    }
}
