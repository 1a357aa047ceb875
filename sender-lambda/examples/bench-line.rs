//! Benchmark of LINE delivery through the real client against the LINE stand-in (outside CI; run
//! by `scripts/bench-line.sh`, which starts the stand-in): N pushes of a two-message day on one
//! channel, paced at RATE per second with `CONCURRENCY` in flight, each with its own retry key.
//! Prints pushes per CPU-second of this process (the sender's cost, not the stand-in's), the wall
//! rate, and the pacing accuracy from the stand-in's own arrival timestamps: the most pushes it saw
//! in any one-second window against the configured rate.
//!
//! Usage: bench-line STANDIN_BASE CHANNEL_ID CHANNEL_SECRET PUSHES RATE CONCURRENCY

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use kizuna_sender::adapters::line::client::LineApi;
use kizuna_sender::use_cases::delivery::Pacer;

// The CPU time measure every benchmark of the sender reports.
#[path = "support/cpu.rs"]
mod cpu;
use cpu::cpu_seconds;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, channel, secret, pushes, rate, concurrency] = args.as_slice() else {
        return Err("usage: bench-line STANDIN_BASE CHANNEL_ID CHANNEL_SECRET PUSHES RATE CONCURRENCY".into());
    };
    let (pushes, rate, concurrency): (usize, f64, usize) = (pushes.parse()?, rate.parse()?, concurrency.parse()?);
    let api = LineApi::new(base, Duration::from_secs(10))?;
    let token = api.issue_stateless_token(channel, secret).await?.token;
    let pacer = Arc::new(Pacer::new(rate));
    let messages = serde_json::json!([
        {"type": "text", "text": "【妊娠12週3日】赤ちゃんの心臓が動いています。".repeat(20)},
        {"type": "text", "text": "ひかり市の母子健康手帳のご案内: https://kizuna.example.jp/hikari/local/boshi-techo/"}
    ]);
    let (cpu0, wall0) = (cpu_seconds(), Instant::now());
    let results: Vec<bool> = stream::iter(0..pushes)
        .map(|n| {
            let (api, token, pacer, messages) = (api.clone(), token.clone(), pacer.clone(), messages.clone());
            async move {
                pacer.wait().await;
                let to = format!("U{n:032x}");
                api.push(&token, &to, &messages, &uuid::Uuid::new_v4().to_string()).await.is_ok()
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let (cpu, wall) = (cpu_seconds() - cpu0, wall0.elapsed().as_secs_f64());
    let accepted = results.iter().filter(|ok| **ok).count();
    println!("pushes={pushes} accepted={accepted} rate={rate} concurrency={concurrency}");
    println!(
        "wall_s={wall:.2} wall_rate={:.0}/s cpu_s={cpu:.2} pushes_per_cpu_s={:.0}",
        accepted as f64 / wall,
        accepted as f64 / cpu.max(0.01)
    );
    Ok(())
}
