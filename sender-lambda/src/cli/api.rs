//! `kizuna-sender api serve`: the real API router over local HTTP (and, for the demo, the archive
//! and the mailbox on the same origin).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use kizuna_sender::demo::Demo;
use kizuna_sender::http::{local, Api};
use kizuna_sender::settings::{aws_config, resolve_secrets, Settings};

/// Serves the API on `listen` until stopped.
pub async fn serve(mut settings: Settings, listen: std::net::SocketAddr, demo: Option<PathBuf>) -> Result<ExitCode> {
    let config = aws_config().await;
    resolve_secrets(&mut settings, &config).await?;
    let api = Api::from_settings(&settings, &config).map_err(|e| anyhow!(e))?;
    let listener = local::bind(listen).await?;
    let address = listener.local_addr()?;
    // The port line is the contract with scripts and tests that start with `--listen …:0`.
    println!("listening on http://{address}/api/");
    match demo {
        None => local::serve(listener, std::sync::Arc::new(api)).await?,
        Some(archive) => {
            let emulator = std::env::var("AWS_ENDPOINT_URL")
                .context("--demo needs AWS_ENDPOINT_URL: the emulator whose captured mail the mailbox shows")?;
            let runner = std::env::current_exe().context("cannot find this program to run days")?;
            let demo = Demo { api, archive, emulator, runner, running: Default::default() };
            local::serve(listener, std::sync::Arc::new(demo)).await?
        }
    }
    Ok(ExitCode::SUCCESS)
}
