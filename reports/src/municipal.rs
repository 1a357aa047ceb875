//! A municipality's report from its [`Figures`]: registrations and 配信中 by month and track,
//! retention with its definitions, endings by reason, deliveries by channel.

use kizuna_schedule::TrackId;

use crate::counters::{Channel, DeliveryOutcome, Event};
use crate::figures::Figures;
use crate::month::Month;
use crate::report::{Cell, Chart, Report, Row, Section, Table};

/// The definitions printed in every report (the wording; staff quote them).
pub const DEFINITIONS: [(&str, &str); 9] = [
    ("累計登録者", "サービス開始から集計月末までに配信を始めた人数（確認メールでの登録完了、またはLINEでの登録）。仮登録のまま期限切れになった人は含みません。出生登録で妊娠中から子育てに移った人は1人のままです。"),
    ("配信中", "集計月末の時点で配信を受けている人数。"),
    ("完了", "最後の配信コースを終えて配信が終わった人数。"),
    ("解除", "読者自身が配信を終えた人数（配信停止リンク、ワンクリック解除、APIによる解除、LINEのブロック、データ削除）。ブロックを解除して配信が再開した人は除きます。"),
    ("停止", "理由を添えて、またはシステムが配信を止めた人数（流産・死産・乳児の死亡、転出、その他、メールの不達、迷惑メール報告）。"),
    ("解除率", "解除 ÷ 累計登録者。"),
    ("停止率", "停止 ÷ 累計登録者。"),
    ("読み続ける人の割合", "（配信中 ＋ 完了）÷ 累計登録者。累計登録者 ＝ 配信中 ＋ 完了 ＋ 解除 ＋ 停止 です。"),
    ("登録率", "期間中の新規登録者数 ÷（年間出生数 × 期間の月数 ÷ 12）。年間出生数は自治体設定（municipality.yaml）の値です。"),
];

fn track_label(track: Option<TrackId>) -> String {
    track.map_or_else(|| "コース期間外".to_owned(), |t| t.name().to_owned())
}

fn month_table(
    id: &str,
    caption: &str,
    columns: Vec<String>,
    figures: &Figures,
    cells: impl Fn(usize) -> Vec<Cell>,
) -> Table {
    let mut all_columns = vec!["月".to_owned()];
    all_columns.extend(columns);
    let rows =
        figures.months.iter().enumerate().map(|(i, row)| Row { label: row.month.label(), cells: cells(i) }).collect();
    Table { id: id.to_owned(), caption: caption.to_owned(), columns: all_columns, rows }
}

/// Builds the report.
pub fn report(figures: &Figures, generated_on: chrono::NaiveDate) -> Report {
    let period = figures.period;
    let title = format!("{} きずなメール 利用状況報告", figures.municipality.name);
    let subtitle = vec![
        format!("集計期間：{} 〜 {}（{}年度）", period.from.label(), period.to.label(), period.from.fiscal_year()),
        format!("作成日：{}（日付は日本時間）", generated_on.format("%Y年%-m月%-d日")),
        "個人を特定できる情報は含みません。".to_owned(),
    ];
    Report {
        title,
        subtitle,
        sections: vec![
            retention_section(figures),
            registrations_section(figures),
            active_section(figures),
            endings_section(figures),
            deliveries_section(figures),
        ],
    }
}

/// The operator's roll-up (`--all`): every municipality's retention in one table, with the total.
pub fn rollup(all: &[Figures], generated_on: chrono::NaiveDate) -> Report {
    let mut rows: Vec<Row> = all.iter().map(|f| retention_row(f.municipality.name.clone(), &f.retention)).collect();
    let mut total = crate::figures::Retention::default();
    let mut births = Some(0u32);
    for figures in all {
        let r = &figures.retention;
        total.cumulative += r.cumulative;
        total.active += r.active;
        total.completed += r.completed;
        total.unsubscribed += r.unsubscribed;
        total.stopped += r.stopped;
        total.registered_in_period += r.registered_in_period;
        births = births.zip(figures.municipality.yearly_births).map(|(a, b)| a + b);
    }
    if let (Some(births), Some(first)) = (births.filter(|b| *b > 0), all.first()) {
        let months = first.period.from.through(first.period.to).len() as f64;
        total.registration_rate = Some(total.registered_in_period as f64 / (f64::from(births) * months / 12.0));
    }
    rows.push(retention_row("合計".to_owned(), &total));
    let columns = [
        "市区町村",
        "累計登録者",
        "配信中",
        "完了",
        "解除",
        "停止",
        "解除率",
        "停止率",
        "読み続ける人の割合",
        "期間中の新規登録者",
        "登録率",
    ];
    let period = all.first().map(|f| f.period);
    Report {
        title: "きずなメール 利用状況一覧（全自治体）".to_owned(),
        subtitle: period
            .map(|p| format!("集計期間：{} 〜 {}", p.from.label(), p.to.label()))
            .into_iter()
            .chain([format!("作成日：{}（日付は日本時間）", generated_on.format("%Y年%-m月%-d日"))])
            .collect(),
        sections: vec![Section {
            id: "rollup".to_owned(),
            heading: "自治体別の継続状況".to_owned(),
            paragraphs: vec![
                "合計の登録率は、年間出生数がすべての自治体に設定されているときだけ計算します。".to_owned()
            ],
            definitions: DEFINITIONS.iter().map(|(t, d)| ((*t).to_owned(), (*d).to_owned())).collect(),
            tables: vec![Table {
                id: "rollup".to_owned(),
                caption: "自治体別の継続状況".to_owned(),
                columns: columns.iter().map(|c| (*c).to_owned()).collect(),
                rows,
            }],
            charts: Vec::new(),
        }],
    }
}

fn retention_row(label: String, r: &crate::figures::Retention) -> Row {
    Row {
        label,
        cells: vec![
            Cell::Count(r.cumulative),
            Cell::Count(r.active),
            Cell::Count(r.completed),
            Cell::Count(r.unsubscribed),
            Cell::Count(r.stopped),
            Cell::Share(r.unsubscribe_rate()),
            Cell::Share(r.stop_rate()),
            Cell::Share(r.keep_reading_rate()),
            Cell::Count(r.registered_in_period),
            Cell::Share(r.registration_rate),
        ],
    }
}

fn retention_section(figures: &Figures) -> Section {
    let r = &figures.retention;
    let rows = vec![
        ("累計登録者", Cell::Count(r.cumulative)),
        ("配信中", Cell::Count(r.active)),
        ("完了", Cell::Count(r.completed)),
        ("解除", Cell::Count(r.unsubscribed)),
        ("停止", Cell::Count(r.stopped)),
        ("解除率", Cell::Share(r.unsubscribe_rate())),
        ("停止率", Cell::Share(r.stop_rate())),
        ("読み続ける人の割合", Cell::Share(r.keep_reading_rate())),
        ("期間中の新規登録者", Cell::Count(r.registered_in_period)),
        ("登録率", Cell::Share(r.registration_rate)),
    ];
    let mut paragraphs = vec![format!("{}末時点の数値です。", figures.period.to.label())];
    if figures.municipality.yearly_births.is_none() {
        paragraphs.push("年間出生数が設定されていないため、登録率は計算していません。".to_owned());
    }
    Section {
        // A section's id names its heading; its table keeps the plain id (and CSV file name).
        id: "section-retention".to_owned(),
        heading: "継続状況（解除率・停止率）".to_owned(),
        paragraphs,
        definitions: DEFINITIONS.iter().map(|(t, d)| ((*t).to_owned(), (*d).to_owned())).collect(),
        tables: vec![Table {
            id: "retention".to_owned(),
            caption: "継続状況".to_owned(),
            columns: vec!["項目".to_owned(), "値".to_owned()],
            rows: rows.into_iter().map(|(label, cell)| Row { label: label.to_owned(), cells: vec![cell] }).collect(),
        }],
        charts: Vec::new(),
    }
}

fn tracks_seen<'a>(
    maps: impl Iterator<Item = &'a std::collections::BTreeMap<Option<TrackId>, i64>>,
) -> Vec<Option<TrackId>> {
    let mut tracks: Vec<Option<TrackId>> = maps.flat_map(|m| m.keys().copied()).collect();
    tracks.sort_unstable();
    tracks.dedup();
    tracks
}

fn registrations_section(figures: &Figures) -> Section {
    let tracks = tracks_seen(figures.months.iter().map(|m| &m.registered));
    let mut columns: Vec<String> = tracks.iter().map(|t| track_label(*t)).collect();
    columns.extend(["新規登録 計".to_owned(), "累計登録者".to_owned()]);
    let table =
        month_table("registrations", "月別の新規登録者（登録時のコース別）", columns, figures, |i| {
            let row = &figures.months[i];
            let mut cells: Vec<Cell> =
                tracks.iter().map(|t| Cell::Count(row.registered.get(t).copied().unwrap_or(0))).collect();
            cells.extend([Cell::Count(row.registered_total()), Cell::Count(row.cumulative)]);
            cells
        });
    let total = tracks.len();
    Section {
        id: "section-registrations".to_owned(),
        heading: "登録".to_owned(),
        paragraphs: vec!["配信を始めた月に、その時点のコースで数えています。".to_owned()],
        definitions: Vec::new(),
        charts: vec![Chart {
            title: "月別の新規登録者と累計登録者".to_owned(),
            table: table.id.clone(),
            series: vec![total, total + 1],
            unit: "人".to_owned(),
        }],
        tables: vec![table],
    }
}

fn active_section(figures: &Figures) -> Section {
    let tracks = tracks_seen(figures.months.iter().map(|m| &m.active_by_track));
    let mut columns: Vec<String> = tracks.iter().map(|t| track_label(*t)).collect();
    columns.extend(Channel::ALL.iter().map(|c| format!("{}（配信中）", c.label())));
    columns.push("配信中 計".to_owned());
    let table = month_table("active", "月末の配信中（コース別・経路別）", columns, figures, |i| {
        let row = &figures.months[i];
        let mut cells: Vec<Cell> =
            tracks.iter().map(|t| Cell::Count(row.active_by_track.get(t).copied().unwrap_or(0))).collect();
        for channel in Channel::ALL {
            let sum = row.active.iter().filter(|((c, _), _)| *c == channel).map(|(_, n)| n).sum();
            cells.push(Cell::Count(sum));
        }
        cells.push(Cell::Count(row.active_total()));
        cells
    });
    Section {
        id: "section-active".to_owned(),
        heading: "配信中の読者".to_owned(),
        paragraphs: vec![
            "コース別は月末日に各読者がいるコースで数えます。年長・小1の年は追加コースと学童期コースの両方に入るため、コース別の合計は配信中 計を超えることがあります。".to_owned(),
        ],
        definitions: Vec::new(),
        charts: vec![Chart {
            title: "月末の配信中（コース別）".to_owned(),
            table: table.id.clone(),
            series: (0..tracks.len()).chain([tracks.len() + Channel::ALL.len()]).collect(),
            unit: "人".to_owned(),
        }],
        tables: vec![table],
    }
}

fn endings_section(figures: &Figures) -> Section {
    let months = month_table(
        "endings",
        "月別の解除・停止・完了",
        vec!["解除".to_owned(), "停止".to_owned(), "完了".to_owned()],
        figures,
        |i| {
            let row = &figures.months[i];
            vec![Cell::Count(row.unsubscribed), Cell::Count(row.stopped), Cell::Count(row.completed)]
        },
    );
    let events = Table {
        id: "events".to_owned(),
        caption: "期間中の手続き・終了の内訳".to_owned(),
        columns: vec!["手続き".to_owned(), "件数".to_owned()],
        rows: Event::ALL
            .iter()
            .map(|e| Row {
                label: e.label().to_owned(),
                cells: vec![Cell::Count(figures.events.get(e).copied().unwrap_or(0))],
            })
            .collect(),
    };
    Section {
        id: "section-endings".to_owned(),
        heading: "解除・停止・完了".to_owned(),
        paragraphs: vec!["内訳は手続きの件数です（同じ読者の出生登録と解除はそれぞれ1件）。".to_owned()],
        definitions: Vec::new(),
        charts: vec![Chart {
            title: "月別の解除・停止・完了".to_owned(),
            table: months.id.clone(),
            series: vec![0, 1, 2],
            unit: "人".to_owned(),
        }],
        tables: vec![months, events],
    }
}

fn deliveries_section(figures: &Figures) -> Section {
    let keys: Vec<(Channel, DeliveryOutcome)> =
        Channel::ALL.iter().flat_map(|c| DeliveryOutcome::ALL.iter().map(move |o| (*c, *o))).collect();
    let columns = keys.iter().map(|(c, o)| format!("{} {}", c.label(), o.label())).collect();
    let table = month_table("deliveries", "月別の配信数（経路別）", columns, figures, |i| {
        let month: Month = figures.months[i].month;
        keys.iter().map(|(c, o)| Cell::Count(figures.deliveries.get(&(month, *c, *o)).copied().unwrap_or(0))).collect()
    });
    Section {
        id: "section-deliveries".to_owned(),
        heading: "配信".to_owned(),
        paragraphs: vec![
            "1人への1日分の配信（メール1通、またはLINEの1回の送信）を1として数えます。未確認は送信の成否が確かめられなかったもので、再送はしません。".to_owned(),
        ],
        definitions: Vec::new(),
        charts: vec![Chart {
            title: "月別の配信数（メール・LINE）".to_owned(),
            table: table.id.clone(),
            series: vec![0, DeliveryOutcome::ALL.len()],
            unit: "通".to_owned(),
        }],
        tables: vec![table],
    }
}
