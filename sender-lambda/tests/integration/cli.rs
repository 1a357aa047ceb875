//! The operator CLI as an operator uses it: `tables create`, `subscribers import`, `run`, against
//! moto with nothing set but the AWS endpoint, the link secret, the rate and `KIZUNA_ALLOW_DRAFT`.

use crate::common;

use std::path::Path;
use std::process::Output;

use common::moto::{sender_command, Moto};
use common::{municipality, schedule, track_entry, write_schedule};
use kizuna_schedule::{ReviewStatus, TrackId};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_kizuna-sender");

fn cli(moto: Option<&Moto>, home: &Path, args: &[&str]) -> Output {
    let mut command = match moto {
        Some(moto) => {
            let mut command = sender_command(&moto.endpoint());
            command
                .env("KIZUNA_LINK_SECRET", "k1:cli-test-secret-cli-test-secret-0123456")
                .env("KIZUNA_MAX_SEND_RATE", "50")
                .env("KIZUNA_ALLOW_DRAFT", "1");
            command
        }
        None => {
            let mut command = std::process::Command::new(BIN);
            command.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
            command
        }
    };
    command.env("HOME", home).args(args).output().expect("run kizuna-sender")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_lists_every_kizuna_setting() {
    let home = tempfile::tempdir().expect("home");
    let output = cli(None, home.path(), &["run", "--help"]);
    assert!(output.status.success());
    let help = stdout(&output);
    for var in [
        "KIZUNA_SUBSCRIPTIONS_TABLE",
        "KIZUNA_DELIVERIES_TABLE",
        "KIZUNA_LINK_SECRET",
        "KIZUNA_EMAIL_HASH_KEY",
        "KIZUNA_MAX_SEND_RATE",
        "KIZUNA_WORKERS",
        "KIZUNA_SEND_CONCURRENCY",
        "KIZUNA_ALLOW_DRAFT",
        "KIZUNA_CONFIGURATION_SET",
        "KIZUNA_LOG",
        "KIZUNA_LINK_SECRET_ARN",
        "KIZUNA_EMAIL_HASH_KEY_ARN",
        "KIZUNA_SCHEDULE",
        "KIZUNA_QUEUE_URL",
        "KIZUNA_CATCH_UP_DAYS",
        "KIZUNA_ORIGIN_VERIFY",
        "KIZUNA_ORIGIN_VERIFY_ARN",
    ] {
        assert!(help.contains(var), "{var} is not in --help:\n{help}");
    }
    let describe = cli(None, home.path(), &["tables", "describe"]);
    let tables: serde_json::Value = serde_json::from_slice(&describe.stdout).expect("describe prints JSON");
    assert_eq!(tables["Subscriptions"]["TableName"], "kizuna-subscriptions");
    assert_eq!(tables["Deliveries"]["TimeToLiveSpecification"]["AttributeName"], "expires_at");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_import_and_run_work_together_with_defaults() {
    let moto = Moto::start().await;
    let home = tempfile::tempdir().expect("home");
    let public = tempfile::tempdir().expect("public");
    let mut draft = track_entry("maternity/12w3d", json!({ "pregnancy": "12w3d" }));
    draft.review = ReviewStatus::Draft;
    let document = write_schedule(
        public.path(),
        schedule(
            municipality("hikari", &[TrackId::Maternity, TrackId::Baby], &[]),
            vec![draft, track_entry("baby/day-100", json!({ "day": 100 }))],
        ),
    );
    moto.verify_identities(std::slice::from_ref(&document.municipality.email.from)).await;

    let created = cli(Some(&moto), home.path(), &["tables", "create"]);
    assert!(created.status.success(), "{}", stderr(&created));
    // Reader surveys (issue 20) added a third table, the anonymous answers.
    assert_eq!(
        stdout(&created),
        "kizuna-subscriptions: created\nkizuna-deliveries: created\nkizuna-survey-answers: created\n"
    );
    let again = cli(Some(&moto), home.path(), &["tables", "create"]);
    assert!(stdout(&again).contains("kizuna-subscriptions: already exists"));

    let bad = home.path().join("bad.csv");
    std::fs::write(
        &bad,
        "email,municipality,kind,date\n\
         a@example.jp,hikari,due,2027-06-07\n\
         a..b@docomo.ne.jp,hikari,due,2027-06-07\n\
         b@example.jp,hikari,birth,2026-08-19\n\
         c@example.jp,hikari,toddler,2026-08-19\n\
         D@Example.jp,hikari,due,2027-06-07\n",
    )
    .expect("write csv");
    let bad_path = bad.to_str().expect("utf-8 path");
    let refused = cli(Some(&moto), home.path(), &["subscribers", "import", bad_path]);
    assert!(!refused.status.success());
    let errors = stderr(&refused);
    assert!(errors.contains("line 3:") && errors.contains("line 5:"), "{errors}");
    assert!(errors.contains("nothing imported"), "{errors}");

    let skipped = cli(Some(&moto), home.path(), &["subscribers", "import", "--skip-invalid", bad_path]);
    assert!(skipped.status.success(), "{}", stderr(&skipped));
    assert_eq!(
        stdout(&skipped),
        "imported 3 new, 0 already present, 2 invalid skipped\n",
        "nothing was imported before"
    );
    let good = home.path().join("good.csv");
    std::fs::write(
        &good,
        "email,municipality,kind,date\na@example.jp,hikari,due,2027-06-07\nd@example.jp,hikari,due,2027-06-07\n",
    )
    .expect("write csv");
    let reimport = cli(Some(&moto), home.path(), &["subscribers", "import", good.to_str().expect("path")]);
    assert_eq!(stdout(&reimport), "imported 0 new, 2 already present, 0 invalid skipped\n", "{}", stderr(&reimport));

    let schedule_dir = public.path().to_str().expect("path");
    let dry = cli(Some(&moto), home.path(), &["run", "--date", "2026-11-26", "--schedule", schedule_dir, "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(stdout(&dry).contains("planned       3") && stdout(&dry).contains("sent          0"), "{}", stdout(&dry));
    assert!(moto.sent().await.is_empty(), "a dry run sends nothing");

    let run = cli(Some(&moto), home.path(), &["run", "--date", "2026-11-26", "--schedule", schedule_dir]);
    assert!(run.status.success(), "{}\n{}", stdout(&run), stderr(&run));
    let summary = stdout(&run);
    assert!(summary.contains("sent          3") && summary.contains("failed        0"), "{summary}");
    assert_eq!(moto.sent().await.len(), 3);
    let logs = stderr(&run);
    assert!(logs.lines().all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()), "logs are JSON:\n{logs}");
    for secret in ["@example.jp", "2027-06-07", "token="] {
        assert!(!logs.contains(secret), "`{secret}` leaked into the logs:\n{logs}");
    }
    let emf: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l.get("_aws").is_some())
        .collect();
    let [metrics] = &emf[..] else { panic!("one EMF line per run:\n{logs}") };
    assert_eq!(metrics["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Kizuna/Sender");
    for (name, value) in
        [("Planned", 3), ("Sent", 3), ("AlreadySent", 0), ("RefusedByCondition", 0), ("Failed", 0), ("ItemsRead", 3)]
    {
        assert_eq!(metrics[name], value, "{name} in {metrics}");
    }
    assert!(metrics["Queries"].as_u64().is_some_and(|q| q >= 1), "{metrics}");

    let rerun = cli(Some(&moto), home.path(), &["run", "--date", "2026-11-26", "--schedule", schedule_dir, "--json"]);
    let summary: serde_json::Value = serde_json::from_slice(&rerun.stdout).expect("json summary");
    assert_eq!((summary["sent"].as_u64(), summary["already_sent"].as_u64()), (Some(0), Some(3)));
    assert_eq!(moto.sent().await.len(), 3);
}

#[test]
fn preview_mail_writes_the_mail_a_family_would_get() {
    let home = tempfile::tempdir().expect("home");
    let public = tempfile::tempdir().expect("public");
    write_schedule(
        public.path(),
        schedule(
            municipality("hikari", &[TrackId::Maternity, TrackId::Baby], &[]),
            vec![
                track_entry("maternity/12w3d", json!({ "pregnancy": "12w3d" })),
                track_entry("baby/day-100", json!({ "day": 100 })),
            ],
        ),
    );
    let eml = home.path().join("preview.eml");
    let args = [
        "preview-mail",
        "--municipality",
        "hikari",
        "--date",
        "2026-11-26",
        "--due",
        "2027-06-07",
        "--schedule",
        public.path().to_str().expect("path"),
        "--link-secret",
        "k1:cli-test-secret-cli-test-secret-0123456",
        "--output",
        eml.to_str().expect("path"),
    ];
    let output = cli(None, home.path(), &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let raw = std::fs::read(&eml).expect("the .eml is written");
    let message = mail_parser::MessageParser::default().parse(&raw).expect("MIME");
    assert_eq!(message.subject(), Some("件名 maternity/12w3d"));
    assert!(message.body_text(0).expect("text").contains("[[maternity/12w3d]]"));
    assert!(message.body_html(0).expect("html").contains("[[maternity/12w3d]]"));
    assert!(message.header_raw("List-Unsubscribe").is_some_and(|h| h.contains("unsubscribe?token=")));

    let birth = ["--birth", "2026-08-19"];
    let mut by_birth: Vec<&str> = args.to_vec();
    by_birth.splice(5..7, birth);
    let output = cli(None, home.path(), &by_birth);
    assert!(output.status.success(), "{}", stderr(&output));
    let raw = std::fs::read(&eml).expect("written");
    let message = mail_parser::MessageParser::default().parse(&raw).expect("MIME");
    assert_eq!(message.subject(), Some("件名 baby/day-100"));

    let mut nothing: Vec<&str> = args.to_vec();
    nothing[6] = "2027-09-01";
    let output = cli(None, home.path(), &nothing);
    assert_eq!(output.status.code(), Some(2), "nothing due: {}", stderr(&output));
}
