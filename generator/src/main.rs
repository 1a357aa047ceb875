//! `kizuna`: the command line of the generator (build, check, preview, serve, local export/import).
//! `kizuna local …` lives in `cli/local.rs`; the library does the work of every subcommand.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _};
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use kizuna_generator::build::{self, BuildOptions, Prepared};
use kizuna_generator::catalogue::{self as msg, Lang, Text};
use kizuna_generator::diagnostics::Diagnostics;
use kizuna_generator::output::{DirectorySink, NullSink, Sink};
use kizuna_generator::render::OutputFile;
use kizuna_generator::{cache, check, content, preview, repeats, resolve, serve, style};
use kizuna_schedule::{AnchorKind, ScheduleDocument};

mod cli;

/// Freed memory goes back to the system between municipalities, so peak RSS does not creep with N
/// (see generator/Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Kizuna: stage-based parenting messages for Japanese municipalities.
///
/// Run from the project root: content is read from ./content and the theme from ./site-theme.
#[derive(Debug, Parser)]
#[command(name = "kizuna", version, about, long_about = None)]
struct Cli {
    /// The language of messages: ja (the default) or en. Without it, LANG=en… chooses English.
    #[arg(long, global = true, value_name = "ja|en")]
    lang: Option<Lang>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct Sources {
    /// The content directory (messages, tracks, municipalities).
    #[arg(long, value_name = "DIR", default_value = "content")]
    content: PathBuf,
    /// The theme directory (templates, static assets, transactional mail texts).
    #[arg(long, value_name = "DIR", default_value = "site-theme")]
    theme: PathBuf,
    /// Judge validity (expired or upcoming local information) as if today were DATE (YYYY-MM-DD, JST).
    #[arg(long, value_name = "DATE")]
    today: Option<NaiveDate>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the archive, schedule.json and mail parts for every municipality (or those named).
    ///
    /// Nothing is written unless all content is valid; only changed files are rewritten, and files
    /// the previous build produced but this one does not are removed. A rebuild from the same
    /// inputs keeps each municipality whose files are still as it wrote them, unrendered.
    ///
    /// Search needs IPADIC's sources (`apt-get install -y mecab-ipadic`, or KIZUNA_IPADIC=DIR) for
    /// kana readings; the dictionary compiled from them and the national search index are cached
    /// in KIZUNA_CACHE_DIR, else $XDG_CACHE_HOME/kizuna, else $HOME/.cache/kizuna, for the next
    /// builds.
    Build {
        #[command(flatten)]
        sources: Sources,
        /// Build only this municipality (repeatable).
        #[arg(long = "municipality", value_name = "ID")]
        municipalities: Vec<String>,
        /// Where to write the archive.
        #[arg(long, value_name = "DIR", default_value = "public")]
        out: PathBuf,
        /// Publish under this URL instead of each municipality's site.base_url (<URL>/<id>/); the
        /// forms then post to the API on the same origin (<URL>/api/) instead of api.base_url.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// A production build: refuses draft content and marks schedule.json as production.
        #[arg(long)]
        production: bool,
        /// Render without writing (for benchmarks): prints what would be produced.
        #[arg(long, hide = true)]
        null_sink: bool,
        /// Skip the Pagefind full-text index (the archive's search box will find nothing); for
        /// quick previews and benchmarks of page rendering.
        #[arg(long)]
        no_search: bool,
    },
    /// Validate everything and measure coverage of every track against its cadence.
    ///
    /// Also warns about near-duplicate message bodies, messages with the same or a near-duplicate
    /// title or body that can reach one family within 60 days, words not in the house style
    /// (content/style.yaml) and local information that expires within 60 days. Exits non-zero when
    /// there are errors or coverage gaps.
    ///
    /// Limits (build applies them too): a content file has at most 128 KiB; a title at most 80
    /// characters, a body 8,000, `to_partner` and a description 2,000. Settings in
    /// municipality.yaml are one line each, and their URLs (contact.url, site.base_url,
    /// api.base_url) are https: only. Symbolic links inside the content directory are refused with
    /// an error naming them — never followed, never skipped: copy the real file or folder in.
    Check {
        #[command(flatten)]
        sources: Sources,
        /// First rewrite the house style's variants in the content's text values (in place).
        #[arg(long)]
        fix: bool,
    },
    /// Show what a family receives, day by day, between two dates.
    Preview {
        #[command(flatten)]
        sources: Sources,
        /// The municipality.
        #[arg(long, value_name = "ID")]
        municipality: String,
        /// The due date (出産予定日).
        #[arg(long, value_name = "DATE", conflicts_with = "birth", required_unless_present = "birth")]
        due: Option<NaiveDate>,
        /// The child's birth date.
        #[arg(long, value_name = "DATE")]
        birth: Option<NaiveDate>,
        /// First day to show.
        #[arg(long, value_name = "DATE")]
        from: NaiveDate,
        /// Last day to show.
        #[arg(long, value_name = "DATE")]
        to: NaiveDate,
        /// Print a JSON array of {date, id, title, label}, sorted by date then id.
        #[arg(long)]
        json: bool,
    },
    /// The yearly update of a town's local information (年度更新) and 原稿確認 as an Excel workbook.
    #[command(subcommand)]
    Local(cli::local::LocalCommand),
    /// Serve the archive locally and rebuild it when content or theme files change.
    Serve {
        #[command(flatten)]
        sources: Sources,
        /// Port on 127.0.0.1.
        #[arg(long, default_value_t = 8111)]
        port: u16,
        /// Where to write the archive.
        #[arg(long, value_name = "DIR", default_value = "public")]
        out: PathBuf,
    },
}

fn options(
    sources: &Sources,
    municipalities: Vec<String>,
    base_url: Option<String>,
    production: bool,
    search: bool,
) -> BuildOptions {
    BuildOptions {
        content_dir: sources.content.clone(),
        theme_dir: sources.theme.clone(),
        municipalities,
        base_url,
        production,
        build_date: sources.today.unwrap_or_else(kizuna_schedule::japan_today),
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        search,
    }
}

fn print_problems(diagnostics: &Diagnostics, lang: Lang) {
    if !diagnostics.is_empty() {
        eprint!("{}", diagnostics.render(lang));
    }
}

/// "N error(s), M warning(s)" lines of the catalogue, in `lang`.
fn counts(entry: &'static msg::Entry, diagnostics: &Diagnostics, lang: Lang) -> String {
    Text::new(entry).arg("errors", diagnostics.error_count()).arg("warnings", diagnostics.warning_count()).message(lang)
}

fn prepare_or_report(options: &BuildOptions, lang: Lang) -> Result<Prepared, ExitCode> {
    match build::prepare(options) {
        Ok(prepared) => {
            print_problems(&prepared.warnings, lang);
            Ok(prepared)
        }
        Err(diagnostics) => {
            print_problems(&diagnostics, lang);
            eprintln!("{}", counts(&msg::NOTHING_WRITTEN, &diagnostics, lang));
            Err(ExitCode::FAILURE)
        }
    }
}

fn run_build(options: &BuildOptions, out: &std::path::Path, null_sink: bool, lang: Lang) -> anyhow::Result<ExitCode> {
    let prepared = match prepare_or_report(options, lang) {
        Ok(prepared) => prepared,
        Err(code) => return Ok(code),
    };
    if null_sink {
        let started = std::time::Instant::now();
        let mut sink = NullSink::default();
        let report = build::build(&prepared, options, None, &mut sink)?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "rendered {} municipalities: {} files ({} pages, {} bytes) in {seconds:.2} s — {:.0} pages/s (not written)",
            report.municipalities,
            report.files,
            report.pages,
            sink.bytes,
            report.pages as f64 / seconds
        );
        return Ok(ExitCode::SUCCESS);
    }
    write_build(&prepared, options, out)?;
    Ok(ExitCode::SUCCESS)
}

/// Renders and writes a prepared build into `out`, all or nothing.
fn write_build(prepared: &build::Prepared, options: &BuildOptions, out: &std::path::Path) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut sink = DirectorySink::new(out, options.municipalities.is_empty());
    match build::build(prepared, options, Some(out), &mut sink) {
        Ok(report) => {
            let summary = sink.commit().with_context(|| format!("finishing the write to {}", out.display()))?;
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "built {} municipalities ({} kept as built) into {}: {} files ({} pages), {} written, {} unchanged, {} removed, in {seconds:.2} s (build {})",
                report.municipalities,
                report.kept,
                out.display(),
                summary.produced,
                report.pages,
                summary.written,
                summary.unchanged,
                summary.removed,
                report.build_id
            );
            Ok(())
        }
        Err(error) => {
            sink.abort();
            Err(anyhow::Error::new(error).context("the build failed; the previous archive was left unchanged"))
        }
    }
}

/// One build of `kizuna serve`: reported on the terminal and recorded in `status`, so that the
/// browser shows the error (with file:line) instead of the previous build's pages.
fn serve_build(options: &BuildOptions, out: &std::path::Path, status: &serve::BuildStatus, lang: Lang) {
    let failure = match build::prepare(options) {
        Err(diagnostics) => {
            print_problems(&diagnostics, lang);
            let summary = counts(&msg::NOTHING_WRITTEN, &diagnostics, lang);
            eprintln!("{summary}");
            Some(format!("{}\n{summary}", diagnostics.render(lang)))
        }
        Ok(prepared) => {
            print_problems(&prepared.warnings, lang);
            write_build(&prepared, options, out).err().map(|error| {
                eprintln!("kizuna: {error:#}");
                format!("{error:#}")
            })
        }
    };
    match failure {
        Some(report) => status.failed(report),
        None => status.succeeded(),
    }
}

/// `kizuna check --fix`: rewrites the house style's variants before the check reads the content.
/// Other content problems do not stop it (the check that follows reports them); a missing or
/// invalid style.yaml does.
fn run_fix(sources: &Sources, lang: Lang) -> Result<(), ExitCode> {
    let mut problems = Diagnostics::default();
    let Some(house) = content::load(&sources.content, &mut problems).and_then(|c| c.style) else {
        print_problems(&problems, lang);
        eprintln!("{}", Text::new(&msg::FIX_NO_STYLE).message(lang));
        return Err(ExitCode::FAILURE);
    };
    let mut fix_problems = Diagnostics::default();
    let summary = style::fix(&house, &sources.content, &mut fix_problems);
    print_problems(&fix_problems, lang);
    let line = Text::new(&msg::FIX_SUMMARY).arg("replaced", summary.replaced).arg("files", summary.files);
    println!("{}", line.message(lang));
    if fix_problems.has_errors() {
        Err(ExitCode::FAILURE)
    } else {
        Ok(())
    }
}

fn run_check(sources: &Sources, fix: bool, lang: Lang) -> ExitCode {
    if fix {
        if let Err(code) = run_fix(sources, lang) {
            return code;
        }
    }
    let options = options(sources, Vec::new(), None, false, false);
    let mut diagnostics = Diagnostics::default();
    let prepared = match build::prepare(&options) {
        Ok(prepared) => {
            diagnostics.extend(prepared.warnings.clone());
            prepared
        }
        Err(problems) => {
            print_problems(&problems, lang);
            eprintln!("{}", counts(&msg::CHECK_FAILED, &problems, lang));
            return ExitCode::FAILURE;
        }
    };
    let content = &prepared.content;
    let coverage = check::coverage(content);
    check::report_coverage(content, &coverage, &mut diagnostics);
    check::near_duplicates(content, 0.6, &mut diagnostics);
    repeats::close_repeats(content, 0.6, 60, &mut diagnostics);
    if let Some(house) = &content.style {
        style::check(house, &content.root, &mut diagnostics);
    }
    check::expiring_local(content, options.build_date, 60, &mut diagnostics);
    print_problems(&diagnostics, lang);
    println!("{}", Text::new(&msg::COVERAGE_HEADER).message(lang));
    for track in &coverage {
        let state = if track.gaps.is_empty() && track.missing_birthdays.is_empty() {
            Text::new(&msg::COVERAGE_COMPLETE)
        } else {
            Text::new(&msg::COVERAGE_PROBLEMS)
                .arg("gaps", track.gaps.len())
                .arg("birthdays", track.missing_birthdays.len())
        };
        let line = Text::new(&msg::COVERAGE_LINE)
            .arg("track", format!("{:<13}", track.label()))
            .arg("messages", format!("{:>4}", track.messages))
            .arg("state", state.message(lang));
        println!("{}", line.message(lang));
    }
    let summary = Text::new(&msg::CHECK_SUMMARY)
        .arg("municipalities", content.municipality_ids.len())
        .arg("errors", diagnostics.error_count())
        .arg("warnings", diagnostics.warning_count());
    println!("{}", summary.message(lang));
    if diagnostics.has_errors() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

struct CapturingSink(Vec<OutputFile>);

impl Sink for CapturingSink {
    fn accept(&mut self, _batch: &str, files: Vec<OutputFile>) -> std::io::Result<()> {
        self.0.extend(files);
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)] // mirrors the subcommand's flags
fn run_preview(
    sources: &Sources,
    municipality: String,
    due: Option<NaiveDate>,
    birth: Option<NaiveDate>,
    from: NaiveDate,
    to: NaiveDate,
    json: bool,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let (kind, anchor) = match (due, birth) {
        (Some(due), None) => (AnchorKind::Due, due),
        (None, Some(birth)) => (AnchorKind::Birth, birth),
        _ => bail!("give exactly one of --due or --birth"),
    };
    if to < from {
        bail!("--to {to} is before --from {from}");
    }
    let options = options(sources, vec![municipality.clone()], None, false, false);
    let prepared = match prepare_or_report(&options, lang) {
        Ok(prepared) => prepared,
        Err(code) => return Ok(code),
    };
    let mut sink = CapturingSink(Vec::new());
    build::build(&prepared, &options, None, &mut sink)?;
    let schedule_path = format!("{municipality}/schedule.json");
    let schedule = sink.0.iter().find(|f| f.path == schedule_path).context("the build produced no schedule")?;
    let document: ScheduleDocument = serde_json::from_slice(&schedule.bytes)?;
    let municipality_content = prepared
        .content
        .load_municipality(&municipality, &mut Diagnostics::default())
        .context("the municipality could not be loaded again")?;
    let edition = resolve::resolve(&prepared.content, &municipality_content, options.build_date, None);
    let titles = |id: &str| edition.local.iter().find(|l| l.id == id).map(|l| l.title.clone()).unwrap_or_default();
    let items = preview::preview(&document, &titles, kind, anchor, from, to);
    if json {
        println!("{}", serde_json::to_string_pretty(&items)?);
    } else if items.is_empty() {
        println!("{from} 〜 {to}: 届くメッセージはありません");
    } else {
        let mut last_date = "";
        for item in &items {
            if item.date != last_date {
                println!("{}", item.date);
                last_date = &item.date;
            }
            println!("  {:<28} {}  {}", item.id, item.label, item.title);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_serve(sources: &Sources, port: u16, out: PathBuf, lang: Lang) -> anyhow::Result<ExitCode> {
    let base_url = format!("http://127.0.0.1:{port}");
    let options = options(sources, Vec::new(), Some(base_url.clone()), false, true);
    let status = serve::BuildStatus::default();
    serve_build(&options, &out, &status, lang);
    let listener =
        TcpListener::bind(("127.0.0.1", port)).with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
    println!("serving {} at {base_url}/ — edit content or theme files and reload (Ctrl+C to stop)", out.display());
    let watched = vec![options.content_dir.clone(), options.theme_dir.clone()];
    let (rebuild_options, rebuild_out, rebuild_status) = (options.clone(), out.clone(), status.clone());
    serve::watch(watched, Duration::from_millis(700), move || {
        println!("change detected, rebuilding…");
        serve_build(&rebuild_options, &rebuild_out, &rebuild_status, lang);
    });
    serve::serve_with_status(&out, listener, None, &status)?;
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = Lang::choose(cli.lang);
    // Builds with search reuse the readings dictionary and the national bundle of earlier processes.
    cache::use_dir(cache::dir_from_env());
    let result = match cli.command {
        Command::Build { sources, municipalities, out, base_url, production, null_sink, no_search } => {
            let options = options(&sources, municipalities, base_url, production, !no_search);
            run_build(&options, &out, null_sink, lang)
        }
        Command::Check { sources, fix } => Ok(run_check(&sources, fix, lang)),
        Command::Preview { sources, municipality, due, birth, from, to, json } => {
            run_preview(&sources, municipality, due, birth, from, to, json, lang)
        }
        Command::Local(command) => cli::local::run(command),
        Command::Serve { sources, port, out } => run_serve(&sources, port, out, lang),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("kizuna: {error:#}");
            ExitCode::FAILURE
        }
    }
}
