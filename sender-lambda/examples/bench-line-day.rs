//! Benchmark of a whole day's run with LINE families (outside CI; run by `scripts/bench-line.sh`,
//! which starts the LINE stand-in and registers one channel per LINE town): the real daily run
//! (`run_day`: planning on the in-memory `by_anchor` twin, reservation in the in-memory delivery
//! records, `Routed` → `LinePush` → the real LINE client and per-channel pacer) for FAMILIES LINE
//! families spread over the towns of `public/` that have LINE. Prints pushes, wall rate and pushes
//! per CPU-second of this process (the sender's cost, not the stand-in's).
//!
//! Usage: bench-line-day STANDIN_BASE PUBLIC_DIR DATE FAMILIES RATE
//! (channel of the n-th LINE town, in id order: id `900<n>`, secret `bench-secret-<n>`).

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use kizuna_schedule::AnchorKind;
use kizuna_sender::adapters::line::channels::{ChannelCredentials, LineChannels};
use kizuna_sender::adapters::line::client::LineApi;
use kizuna_sender::adapters::line::push::LinePush;
use kizuna_sender::adapters::memory::{MemoryDeliveries, MemoryMailer, MemoryRecipients};
use kizuna_sender::adapters::site::load_schedule_dir;
use kizuna_sender::domain::links::LinkKeys;
use kizuna_sender::domain::model::{LineRecipient, Recipient, SubscriptionStatus};
use kizuna_sender::ports::channel::Routed;
use kizuna_sender::use_cases::daily_run::{run_day, RunRequest};
use kizuna_sender::use_cases::delivery::{Delivery, DeliveryOptions, Pacer};

// The CPU time measure every benchmark of the sender reports.
#[path = "support/cpu.rs"]
mod cpu;
use cpu::cpu_seconds;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, public, date, families, rate] = args.as_slice() else {
        return Err("usage: bench-line-day STANDIN_BASE PUBLIC_DIR DATE FAMILIES RATE".into());
    };
    let (date, families, rate): (NaiveDate, usize, f64) = (date.parse()?, families.parse()?, rate.parse()?);
    let mut schedules = load_schedule_dir(std::path::Path::new(public), None)?;
    schedules.retain(|s| s.document.municipality.line.is_some());
    if schedules.is_empty() {
        return Err(format!("no town with LINE in {public}").into());
    }
    // Secrets Manager is not part of the measurement: each town's channel is given directly.
    let secrets_config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
        .region(aws_sdk_secretsmanager::config::Region::new("ap-northeast-1"))
        .build();
    let secrets = aws_sdk_secretsmanager::Client::from_conf(secrets_config);
    let channels = LineChannels::new(LineApi::new(base, Duration::from_secs(10))?, secrets, "unused/", rate);
    for (n, schedule) in schedules.iter().enumerate() {
        let credentials: ChannelCredentials = serde_json::from_value(
            serde_json::json!({"channel_id": format!("900{n}"), "channel_secret": format!("bench-secret-{n}")}),
        )?;
        channels.set_credentials(&schedule.document.municipality.id, credentials).await;
    }
    // Families: a quarter pregnant (due within 40 weeks), the rest children up to 3, as in the towns.
    let mut rng = fastrand::Rng::with_seed(2026);
    let mut source = MemoryRecipients::new();
    for i in 0..families {
        let n = i % schedules.len();
        let (kind, anchor) = if rng.u8(0..4) == 0 {
            (AnchorKind::Due, date + chrono::Duration::days(rng.i64(0..=280)))
        } else {
            (AnchorKind::Birth, date - chrono::Duration::days(rng.i64(0..=3 * 365)))
        };
        source.insert_new(Recipient {
            subscription_id: format!("{i:08x}-0000-4000-8000-000000000000"),
            municipality: schedules[n].document.municipality.id.clone(),
            anchor_kind: kind,
            anchor_date: anchor,
            anchor_version: 1,
            email: String::new(),
            line: Some(LineRecipient { channel_id: format!("900{n}"), user_id: format!("U{i:032x}") }),
            nickname: (i % 2 == 0).then(|| "はな".to_owned()),
            status: SubscriptionStatus::Active,
        });
    }
    let links = LinkKeys::parse("k1:bench-secret-bench-secret-bench-0123")?;
    let store = MemoryDeliveries::new();
    let mailer = MemoryMailer::discarding();
    let push = LinePush { channels: &channels };
    let routed = Routed { mail: &mailer, line: Some(&push) };
    let pacer = Pacer::new(f64::INFINITY);
    let options = DeliveryOptions { concurrency: 16, ..DeliveryOptions::default() };
    let delivery = Delivery { store: &store, mailer: &routed, pacer: &pacer, options };
    let request = RunRequest { date, dry_run: false, allow_draft: true };
    let (cpu0, wall0) = (cpu_seconds(), Instant::now());
    let summary = run_day(&schedules, &source, &delivery, &links, &request).await;
    let (cpu, wall) = (cpu_seconds() - cpu0, wall0.elapsed().as_secs_f64());
    let pushed = summary.delivery.line.sent;
    println!(
        "towns={} families={families} planned={} pushed={pushed} failed={} throttled={} rate={rate}/s per channel",
        schedules.len(),
        summary.planned,
        summary.delivery.failed,
        summary.delivery.throttled
    );
    println!(
        "wall_s={wall:.2} wall_rate={:.0}/s cpu_s={cpu:.2} pushes_per_cpu_s={:.0}",
        pushed as f64 / wall,
        pushed as f64 / cpu.max(0.01)
    );
    if summary.delivery.failed > 0 || pushed != summary.planned {
        return Err(format!("not every family was pushed: {summary:?}").into());
    }
    Ok(())
}
