//! `kizuna-sender`: the operator CLI — create tables, import subscribers, run a day.
//!
//! Every error is printed with its whole cause chain (`error: importing x.csv: the import stopped
//! after 367 of 1000 rows …: dispatch failure: … Connection refused`), how far the command got and
//! whether running it again is safe.
//!
//! Same code path as the Lambda handlers; AWS is configured the standard way (`AWS_ENDPOINT_URL`,
//! `AWS_REGION`, profiles), Kizuna's settings by `KIZUNA_*` variables or their flags (see `--help`).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().json().with_writer(std::io::stderr).with_env_filter(filter).init();
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_logging(&cli.settings.log);
    match cli::execute(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
