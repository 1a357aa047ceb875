//! `kizuna local export|import`: the staff's 年度更新 workbook from the command line (the work is
//! done by [`kizuna_generator::staff`]; this prints its results and writes all or nothing).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use kizuna_generator::catalogue::Lang;
use kizuna_generator::staff::{atomic, export, import, town};

use crate::{options, print_problems, Sources};

#[derive(Debug, Subcommand)]
pub(crate) enum LocalCommand {
    /// Write the town's local information and its manuscripts for sign-off as an .xlsx workbook.
    Export {
        #[command(flatten)]
        sources: Sources,
        /// The municipality.
        #[arg(long, value_name = "ID")]
        municipality: String,
        /// The fiscal year being prepared (default: the one after --today's).
        #[arg(long, value_name = "YEAR")]
        fiscal_year: Option<i32>,
        /// Where to write (default: <ID>-<YEAR>.xlsx).
        #[arg(short = 'o', long = "output", value_name = "FILE.xlsx")]
        output: Option<PathBuf>,
    },
    /// Read the workbook back: check every row, show the changes, write the YAML (all or nothing).
    Import {
        #[command(flatten)]
        sources: Sources,
        /// The workbook, as saved by Excel or LibreOffice Calc.
        #[arg(value_name = "FILE.xlsx")]
        file: PathBuf,
        /// The municipality.
        #[arg(long, value_name = "ID")]
        municipality: String,
        /// Show the changes without writing anything.
        #[arg(long)]
        dry_run: bool,
    },
}

fn load_town(sources: &Sources, municipality: &str) -> Result<town::Town, ExitCode> {
    let options = options(sources, vec![municipality.to_owned()], None, false, false);
    town::load(&options, municipality).map_err(|diagnostics| {
        // The yearly workbook is the staff's: always in Japanese.
        print_problems(&diagnostics, Lang::Ja);
        eprintln!("kizuna: 内容にエラーがあるため処理できません（{} 件）", diagnostics.error_count());
        ExitCode::FAILURE
    })
}

/// Runs `kizuna local …`.
pub(crate) fn run(command: LocalCommand) -> anyhow::Result<ExitCode> {
    match command {
        LocalCommand::Export { sources, municipality, fiscal_year, output } => {
            let town = match load_town(&sources, &municipality) {
                Ok(town) => town,
                Err(code) => return Ok(code),
            };
            let today = sources.today.unwrap_or_else(kizuna_schedule::japan_today);
            let fiscal_year = fiscal_year.unwrap_or_else(|| kizuna_schedule::calendar::school_year_of(today) + 1);
            let input = export::ExportInput {
                content: &town.content,
                municipality: &town.municipality,
                fiscal_year,
                manuscripts: &town.manuscripts,
            };
            let bytes = export::export(&input).context("the workbook could not be written")?;
            let output = output.unwrap_or_else(|| PathBuf::from(format!("{municipality}-{fiscal_year}.xlsx")));
            let mut writes = std::collections::BTreeMap::new();
            writes.insert(output.clone(), bytes);
            atomic::write_all(&writes).with_context(|| format!("writing {}", output.display()))?;
            println!(
                "{}（{fiscal_year}年度）を書き出しました: {}",
                town.municipality.file.value.name,
                output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        LocalCommand::Import { sources, file, municipality, dry_run } => {
            let town = match load_town(&sources, &municipality) {
                Ok(town) => town,
                Err(code) => return Ok(code),
            };
            let bytes = std::fs::read(&file).with_context(|| format!("{} を読めません", file.display()))?;
            let input = import::ImportInput {
                content: &town.content,
                municipality: &town.municipality,
                manuscripts: &town.manuscripts,
                bytes: &bytes,
            };
            let plan = match import::plan(&input, &town.dir) {
                Ok(plan) => plan,
                Err(problems) => {
                    for problem in &problems {
                        eprintln!("エラー: {problem}");
                    }
                    eprintln!("kizuna: {} 件の問題があるため、何も書き込んでいません", problems.len());
                    return Ok(ExitCode::FAILURE);
                }
            };
            for line in import::summary(&plan) {
                println!("{line}");
            }
            if dry_run {
                println!("（--dry-run: {} 件のファイルは書き込んでいません）", plan.writes.len());
            } else {
                let writes = plan.writes.iter().map(|(path, text)| (path.clone(), text.clone().into_bytes())).collect();
                atomic::write_all(&writes).context("書き込みに失敗しました。元のファイルはそのままです")?;
                println!("{} 件のファイルを書き込みました", plan.writes.len());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
