//! Benchmark of the daily run (issue 7): planning and delivery of one Japan date for many
//! subscriptions with the in-memory twins of the ports (`adapters::memory`: the `by_anchor` source,
//! the delivery store and a counting mailer) — mails per CPU-second, Queries and items read per mail — against a Scan-based baseline
//! (read every subscription, compute what it gets) in the same run.
//!
//! `scripts/bench-sender.sh` runs it (outside CI) and writes `docs/benchmarks-sender.md`.
//! Usage: `bench-sender [--schedule public] [--subscribers 1000000] [--date 2026-11-26] [--output FILE]`

use std::collections::HashMap;
use std::time::Instant;

use chrono::NaiveDate;
use kizuna_schedule::{AnchorKind, ReviewStatus};
use kizuna_sender::adapters::memory::{MemoryDeliveries, MemoryMailer, MemoryRecipients};
use kizuna_sender::adapters::site::{load_schedule_dir, LoadedSchedule};
use kizuna_sender::domain::links::LinkKeys;
use kizuna_sender::domain::model::{Recipient, SubscriptionStatus};
use kizuna_sender::use_cases::daily_run::{run_day, RunRequest, RunSummary};
use kizuna_sender::use_cases::delivery::{Delivery, DeliveryOptions, Pacer};
use kizuna_sender::BoxError;

// The CPU time measure every benchmark of the sender reports.
#[path = "support/cpu.rs"]
mod cpu;
use cpu::cpu_seconds;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

struct Measure {
    cpu: f64,
    wall: f64,
}

fn measure<T>(f: impl FnOnce() -> T) -> (T, Measure) {
    let (cpu, wall) = (cpu_seconds(), Instant::now());
    let value = f();
    (value, Measure { cpu: cpu_seconds() - cpu, wall: wall.elapsed().as_secs_f64() })
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let dir = arg(&args, "--schedule").unwrap_or_else(|| "public".to_owned());
    let count: usize = arg(&args, "--subscribers").map_or(Ok(1_000_000), |v| v.parse())?;
    let date: NaiveDate = arg(&args, "--date").map_or(Ok("2026-11-26".parse()?), |v| v.parse())?;
    let output = arg(&args, "--output");
    let profile = arg(&args, "--profile").unwrap_or_else(|| "release".to_owned());
    let schedules: Vec<LoadedSchedule> = load_schedule_dir(std::path::Path::new(&dir), None)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;

    // Subscriptions: a quarter pregnant (due within the next 40 weeks), the rest children up to 18.
    let mut rng = fastrand::Rng::with_seed(2026);
    let mut all = Vec::with_capacity(count);
    let mut source = MemoryRecipients::new();
    for i in 0..count {
        let muni = &schedules[i % schedules.len()].document.municipality.id;
        let (kind, anchor) = if rng.u8(0..4) == 0 {
            (AnchorKind::Due, date + chrono::Duration::days(rng.i64(0..=280)))
        } else {
            (AnchorKind::Birth, date - chrono::Duration::days(rng.i64(0..=18 * 365)))
        };
        let recipient = Recipient {
            subscription_id: format!("{i:08x}-0000-4000-8000-000000000000"),
            municipality: muni.clone(),
            anchor_kind: kind,
            anchor_date: anchor,
            anchor_version: 1,
            email: format!("family{i}@example.jp"),
            line: None,
            nickname: None,
            status: SubscriptionStatus::Active,
        };
        all.push(recipient.clone());
        source.insert_new(recipient);
    }
    let links = LinkKeys::parse("k1:bench-secret-bench-secret-bench-0123")?;
    let request = |dry_run| RunRequest { date, dry_run, allow_draft: true };

    // 1. Planning only, by Query on by_anchor.
    let store = MemoryDeliveries::new();
    let mailer = MemoryMailer::discarding();
    let pacer = Pacer::new(f64::INFINITY);
    let options = DeliveryOptions { concurrency: 64, ..DeliveryOptions::default() };
    let delivery = Delivery { store: &store, mailer: &mailer, pacer: &pacer, options };
    let (planned, plan_cost): (RunSummary, Measure) =
        measure(|| runtime.block_on(run_day(&schedules, &source, &delivery, &links, &request(true))));

    // 2. Baseline: Scan every subscription and compute what it gets.
    let by_id: HashMap<&str, &LoadedSchedule> =
        schedules.iter().map(|s| (s.document.municipality.id.as_str(), s)).collect();
    let (scan_mails, scan_cost) = measure(|| {
        all.iter()
            .filter(|r| {
                let document = &by_id[r.municipality.as_str()].document;
                document
                    .deliveries_for(r.anchor_kind, r.anchor_date, date)
                    .iter()
                    .any(|d| d.entry.review != ReviewStatus::Draft || request(true).allow_draft)
            })
            .count()
    });

    // 3. Planning and delivery (reserve, compose, send, record).
    let (sent, deliver_cost): (RunSummary, Measure) =
        measure(|| runtime.block_on(run_day(&schedules, &source, &delivery, &links, &request(false))));
    let (mails, bytes) = mailer.accepted();
    let per_mail = |v: usize| v as f64 / mails.max(1) as f64;
    let per_cpu = |n: usize, m: &Measure| n as f64 / m.cpu.max(0.01);

    let report = format!(
        "# Sender benchmark\n\n\
         `scripts/bench-sender.sh` (profile `{profile}`), {count} active subscriptions over {munis} municipalities \
         ({schedule_dir}), Japan date {date}; in-memory `by_anchor` store (`MemoryRecipients`, pages of 1,000), \
         in-memory delivery records, a counting mailer, no rate limit, one thread.\n\n\
         | | mails | CPU s | wall s | mails / CPU-second | Queries | items read | items read / mail | Queries / mail |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n\
         | planning by Query on `by_anchor` | {planned_n} | {pc:.2} | {pw:.2} | {pr:.0} | {pq} | {pi} | {pim:.3} | {pqm:.4} |\n\
         | planning by Scan (baseline) | {scan_mails} | {sc:.2} | {sw:.2} | {sr:.0} | — | {count} | {sim:.1} | — |\n\
         | planning + delivery (reserve, compose, send, record) | {mails} | {dc:.2} | {dw:.2} | {dr:.0} | {dq} | {di} | {dim:.3} | {dqm:.4} |\n\n\
         Mean raw mail size {size:.0} bytes. The Scan baseline reads every subscription (items read per mail \
         = subscriptions / mails); the Query path reads only the day's recipients (target ≤ 1.1 items per mail).\n",
        munis = schedules.len(),
        schedule_dir = dir,
        planned_n = planned.planned,
        pc = plan_cost.cpu,
        pw = plan_cost.wall,
        pr = per_cpu(planned.planned, &plan_cost),
        pq = planned.queries,
        pi = planned.items_read,
        pim = planned.items_read as f64 / planned.planned.max(1) as f64,
        pqm = planned.queries as f64 / planned.planned.max(1) as f64,
        sc = scan_cost.cpu,
        sw = scan_cost.wall,
        sr = per_cpu(scan_mails, &scan_cost),
        sim = count as f64 / scan_mails.max(1) as f64,
        dc = deliver_cost.cpu,
        dw = deliver_cost.wall,
        dr = per_cpu(mails, &deliver_cost),
        dq = sent.queries,
        di = sent.items_read,
        dim = per_mail(sent.items_read),
        dqm = per_mail(sent.queries),
        size = per_mail(bytes),
    );
    print!("{report}");
    if planned.planned != scan_mails || sent.delivery.sent != mails || sent.delivery.failed != 0 {
        return Err(format!(
            "mismatch: planned {} by Query, {scan_mails} by Scan, {mails} mailed, {} failed",
            planned.planned, sent.delivery.failed
        )
        .into());
    }
    if let Some(path) = output {
        std::fs::write(&path, &report)?;
        eprintln!("written to {path}");
    }
    Ok(())
}
