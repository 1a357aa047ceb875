//! Reader survey results (読者アンケート, issue 20) as report sections: for each question the
//! counts and shares with n, by stage (妊娠期 / 0歳 / 1–2歳 / 3–5歳 / 6歳以上) and by channel, a chart
//! per question, and the response rate (answers ÷ invitations sent). Free-text answers go only to
//! the staff workbook ([`SurveyReport::staff_workbook`]), listed on their own — never next to a
//! stage, a channel or anything else about the reader.
//!
//! [`national_roll_up`] sums the national questions over every municipality that asked them with
//! the same wording and choices (the programme's 統合データ).

use std::collections::BTreeMap;

use kizuna_schedule::survey::{Answer, Answers, Question, QuestionKind, StageBucket, SurveyEntry, SurveyScope};

use crate::counters::Channel;
use crate::report::{Cell, Chart, Report, Row, Section, Table};

/// One stored answer sheet: what the sender keeps, and nothing about who answered.
#[derive(Clone, Debug, PartialEq)]
pub struct AnswerSheet {
    /// The reader's stage when invited.
    pub stage: StageBucket,
    /// The channel the invitation went through.
    pub channel: Channel,
    /// The answers.
    pub answers: Answers,
}

/// Invitations sent, by stage and channel.
pub type Invitations = BTreeMap<(StageBucket, Channel), i64>;

/// One municipality's results of one survey.
#[derive(Clone, Debug)]
pub struct SurveyResults<'a> {
    /// The municipality's name.
    pub municipality: String,
    /// The survey as its schedule lists it.
    pub survey: &'a SurveyEntry,
    /// Every answer sheet.
    pub sheets: Vec<AnswerSheet>,
    /// Invitations sent.
    pub invitations: Invitations,
}

/// The counts of one question.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuestionTally {
    /// Sheets that answered the question (n).
    pub respondents: i64,
    /// Per choice id: how many chose it.
    pub choices: BTreeMap<String, i64>,
    /// Per (stage, choice id).
    pub by_stage: BTreeMap<(StageBucket, String), i64>,
    /// Per stage: n.
    pub respondents_by_stage: BTreeMap<StageBucket, i64>,
    /// Per (channel, choice id).
    pub by_channel: BTreeMap<(Channel, String), i64>,
    /// Per channel: n.
    pub respondents_by_channel: BTreeMap<Channel, i64>,
    /// Free-text answers, in the order given (not tied to a sheet).
    pub texts: Vec<String>,
}

/// Counts the answers to `question` over `sheets`.
pub fn tally<'s>(question: &Question, sheets: impl IntoIterator<Item = &'s AnswerSheet>) -> QuestionTally {
    let mut tally = QuestionTally::default();
    for sheet in sheets {
        let Some(answer) = sheet.answers.0.get(&question.id) else { continue };
        tally.respondents += 1;
        *tally.respondents_by_stage.entry(sheet.stage).or_default() += 1;
        *tally.respondents_by_channel.entry(sheet.channel).or_default() += 1;
        match answer {
            Answer::Text(text) => tally.texts.push(text.clone()),
            Answer::Choices(ids) => {
                for id in ids {
                    *tally.choices.entry(id.clone()).or_default() += 1;
                    *tally.by_stage.entry((sheet.stage, id.clone())).or_default() += 1;
                    *tally.by_channel.entry((sheet.channel, id.clone())).or_default() += 1;
                }
            }
        }
    }
    tally
}

fn share(part: i64, whole: i64) -> Cell {
    Cell::Share((whole > 0).then(|| part as f64 / whole as f64))
}

/// The definitions printed with survey results.
pub const DEFINITIONS: [(&str, &str); 4] = [
    ("案内数", "アンケートのご案内を配信した数（メール・LINE）。"),
    ("回答数", "回答を送った人数。お一人一回です。"),
    ("回答率", "回答数 ÷ 案内数。"),
    ("割合（n）", "その質問に答えた人数（n）に対する割合。複数回答の質問では、合計が100%を超えます。"),
];

impl SurveyResults<'_> {
    /// The report for staff and the public (no free text).
    pub fn report(&self, generated_on: chrono::NaiveDate) -> Report {
        Report {
            title: format!("{} {} 結果", self.municipality, self.survey.title),
            subtitle: vec![
                format!("回答期間：{} 〜 {}", self.survey.open.from, self.survey.open.until),
                format!("作成日：{}（日付は日本時間）", generated_on.format("%Y年%-m月%-d日")),
                "回答は、お名前・連絡先・登録情報と結びつけずに保存しています。".to_owned(),
            ],
            sections: self.sections(&self.survey.questions),
        }
    }

    /// The staff workbook's report: [`Self::report`] plus the free-text answers, each question's on
    /// its own sheet, listed without anything else about the reader. Render it as xlsx only.
    pub fn staff_workbook(&self, generated_on: chrono::NaiveDate) -> Report {
        let mut report = self.report(generated_on);
        let texts: Vec<Table> = self
            .survey
            .questions
            .iter()
            .filter(|q| q.kind == QuestionKind::Text)
            .map(|q| {
                let tally = tally(q, &self.sheets);
                Table {
                    id: format!("text-{}", q.id),
                    caption: format!("自由記述 {}", q.text),
                    columns: vec!["番号".to_owned(), "回答".to_owned()],
                    rows: (1..)
                        .zip(tally.texts)
                        .map(|(n, text)| Row { label: n.to_string(), cells: vec![Cell::Text(text)] })
                        .collect(),
                }
            })
            .collect();
        report.sections.push(Section {
            id: "free-text".to_owned(),
            heading: "自由記述（職員用）".to_owned(),
            paragraphs: vec![
                "自由記述の回答です。職員の方だけでお読みください。公表するときは、個人が分かる内容がないか確かめてください。".to_owned(),
            ],
            definitions: Vec::new(),
            tables: texts,
            charts: Vec::new(),
        });
        report
    }

    fn sections(&self, questions: &[Question]) -> Vec<Section> {
        let mut sections = vec![response_section(self.sheets.len() as i64, &self.invitations, &self.sheets)];
        sections.extend(
            questions
                .iter()
                .enumerate()
                .filter(|(_, q)| q.kind != QuestionKind::Text)
                .map(|(n, q)| question_section(n + 1, q, &tally(q, &self.sheets))),
        );
        sections
    }
}

impl SurveyResults<'_> {
    /// These results as sections of another report (the municipality's monthly report): every id
    /// prefixed with `survey-<id>-`, headings led by the survey's title, the open period said
    /// first. `staff` adds the free-text answers — for the staff workbook only.
    pub fn embedded_sections(&self, staff: bool, generated_on: chrono::NaiveDate) -> Vec<Section> {
        let report = if staff { self.staff_workbook(generated_on) } else { self.report(generated_on) };
        embed(report, &self.survey.id, &self.survey.title)
    }
}

/// A survey report's sections inside another report, its subtitle (the open period, the towns
/// rolled up, the privacy note) as the first section's paragraphs.
pub fn embed(report: Report, survey_id: &str, title: &str) -> Vec<Section> {
    let prefix = format!("survey-{survey_id}-");
    let mut sections: Vec<Section> = report.sections.into_iter().map(|s| s.embedded(&prefix, title)).collect();
    if let Some(first) = sections.first_mut() {
        let lines = report.subtitle.into_iter().filter(|line| !line.starts_with("作成日"));
        first.paragraphs.splice(0..0, lines);
    }
    sections
}

fn response_section(answers: i64, invitations: &Invitations, sheets: &[AnswerSheet]) -> Section {
    let invited: i64 = invitations.values().sum();
    let mut rows = vec![Row {
        label: "全体".to_owned(),
        cells: vec![Cell::Count(invited), Cell::Count(answers), share(answers, invited)],
    }];
    for stage in StageBucket::ALL {
        let invited: i64 = invitations.iter().filter(|((s, _), _)| *s == stage).map(|(_, n)| n).sum();
        let answered = sheets.iter().filter(|s| s.stage == stage).count() as i64;
        rows.push(Row {
            label: stage.label().to_owned(),
            cells: vec![Cell::Count(invited), Cell::Count(answered), share(answered, invited)],
        });
    }
    for channel in Channel::ALL {
        let invited: i64 = invitations.iter().filter(|((_, c), _)| *c == channel).map(|(_, n)| n).sum();
        let answered = sheets.iter().filter(|s| s.channel == channel).count() as i64;
        rows.push(Row {
            label: channel.label().to_owned(),
            cells: vec![Cell::Count(invited), Cell::Count(answered), share(answered, invited)],
        });
    }
    Section {
        // A section's id names its heading; its table has its own (one id per page).
        id: "section-survey-response".to_owned(),
        heading: "回答状況".to_owned(),
        paragraphs: Vec::new(),
        definitions: DEFINITIONS.iter().map(|(t, d)| ((*t).to_owned(), (*d).to_owned())).collect(),
        tables: vec![Table {
            id: "survey-response".to_owned(),
            caption: "回答状況（段階別・配信方法別）".to_owned(),
            columns: ["区分", "案内数", "回答数", "回答率"].map(str::to_owned).to_vec(),
            rows,
        }],
        charts: Vec::new(),
    }
}

fn question_section(number: usize, question: &Question, tally: &QuestionTally) -> Section {
    let id = format!("q-{}", question.id);
    let n_row = |cells: Vec<Cell>| Row { label: "回答者数（n）".to_owned(), cells };
    let mut overall: Vec<Row> = question
        .choices
        .iter()
        .map(|c| {
            let count = tally.choices.get(&c.id).copied().unwrap_or(0);
            Row { label: c.label.clone(), cells: vec![Cell::Count(count), share(count, tally.respondents)] }
        })
        .collect();
    overall.push(n_row(vec![Cell::Count(tally.respondents), Cell::Text(String::new())]));
    let by = |columns: Vec<(String, i64)>, count: &dyn Fn(usize, &str) -> i64| -> Vec<Row> {
        let mut rows: Vec<Row> = question
            .choices
            .iter()
            .map(|c| Row {
                label: c.label.clone(),
                cells: columns.iter().enumerate().map(|(i, (_, n))| share(count(i, &c.id), *n)).collect(),
            })
            .collect();
        rows.push(n_row(columns.iter().map(|(_, n)| Cell::Count(*n)).collect()));
        rows
    };
    let stages: Vec<(String, i64)> = StageBucket::ALL
        .iter()
        .map(|s| (s.label().to_owned(), tally.respondents_by_stage.get(s).copied().unwrap_or(0)))
        .collect();
    let channels: Vec<(String, i64)> = Channel::ALL
        .iter()
        .map(|c| (c.label().to_owned(), tally.respondents_by_channel.get(c).copied().unwrap_or(0)))
        .collect();
    let stage_rows = by(stages.clone(), &|i, choice| {
        tally.by_stage.get(&(StageBucket::ALL[i], choice.to_owned())).copied().unwrap_or(0)
    });
    let channel_rows = by(channels.clone(), &|i, choice| {
        tally.by_channel.get(&(Channel::ALL[i], choice.to_owned())).copied().unwrap_or(0)
    });
    let heading = format!("問{number} {}", question.text);
    let kind = match question.kind {
        QuestionKind::Multiple => "複数回答",
        QuestionKind::Scale => "5段階",
        _ => "単一回答",
    };
    let with_first = |first: &str, rest: Vec<(String, i64)>| {
        let mut columns = vec![first.to_owned()];
        columns.extend(rest.into_iter().map(|(label, _)| label));
        columns
    };
    Section {
        id: format!("section-{id}"),
        heading: heading.clone(),
        paragraphs: vec![format!("{kind}。回答者数 n = {}。", tally.respondents)],
        definitions: Vec::new(),
        tables: vec![
            Table {
                id: id.clone(),
                caption: format!("問{number} 全体"),
                columns: ["選択肢", "回答数", "割合"].map(str::to_owned).to_vec(),
                rows: overall,
            },
            Table {
                id: format!("{id}-stage"),
                caption: format!("問{number} 段階別の割合"),
                columns: with_first("選択肢", stages),
                rows: stage_rows,
            },
            Table {
                id: format!("{id}-channel"),
                caption: format!("問{number} 配信方法別の割合"),
                columns: with_first("選択肢", channels),
                rows: channel_rows,
            },
        ],
        charts: vec![Chart {
            title: format!("{heading}（割合）"), table: id, series: vec![1], unit: "%".to_owned()
        }],
    }
}

/// The national roll-up (統合データ) of one national survey over municipalities: only the
/// national questions, and only where a municipality asked a question with the same kind, wording
/// and choices as the first one that did (a town whose copy differs is left out of that question
/// and named in the report).
pub fn national_roll_up(results: &[SurveyResults<'_>], generated_on: chrono::NaiveDate) -> Option<Report> {
    let first = results.first()?.survey;
    let national: Vec<&Question> = first.questions.iter().filter(|q| q.origin == SurveyScope::National).collect();
    let mut sheets: Vec<AnswerSheet> = Vec::new();
    let mut invitations = Invitations::new();
    let mut left_out = Vec::new();
    let mut joined = Vec::new();
    for result in results {
        let same =
            national.iter().all(|q| result.survey.question(&q.id).is_some_and(|theirs| same_question(q, theirs)));
        if result.survey.id != first.id || !same {
            left_out.push(result.municipality.clone());
            continue;
        }
        joined.push(result.municipality.clone());
        sheets.extend(result.sheets.iter().cloned());
        for (key, n) in &result.invitations {
            *invitations.entry(*key).or_default() += n;
        }
    }
    let questions: Vec<Question> = national.into_iter().cloned().collect();
    let mut subtitle = vec![
        format!("回答期間：{} 〜 {}", first.open.from, first.open.until),
        format!("作成日：{}（日付は日本時間）", generated_on.format("%Y年%-m月%-d日")),
        format!("集計した自治体（{}）：{}", joined.len(), joined.join("、")),
    ];
    if !left_out.is_empty() {
        subtitle.push(format!("全国共通の質問が異なるため集計に含めなかった自治体：{}", left_out.join("、")));
    }
    let combined = SurveyResults { municipality: String::new(), survey: first, sheets, invitations };
    Some(Report {
        title: format!("{} 全国集計（統合データ）", first.title),
        subtitle,
        sections: combined.sections(&questions),
    })
}

fn same_question(a: &Question, b: &Question) -> bool {
    a.kind == b.kind && a.text == b.text && a.choices == b.choices && b.origin == SurveyScope::National
}

#[cfg(test)]
mod tests {
    use super::*;
    use kizuna_schedule::survey::{Choice, OpenPeriod};
    use kizuna_schedule::{CalendarDate, ReviewStatus, Rule, TrackId};

    fn survey(extra: bool) -> SurveyEntry {
        let mut questions = vec![
            Question {
                id: "reading".into(),
                kind: QuestionKind::Single,
                text: "読んでいますか".into(),
                choices: Choice::numbered(&["必ず読む", "ときどき", "読まない"]),
                required: true,
                origin: SurveyScope::National,
            },
            Question {
                id: "helpful".into(),
                kind: QuestionKind::Multiple,
                text: "役に立った内容".into(),
                choices: Choice::numbered(&["成長", "健康"]),
                required: false,
                origin: SurveyScope::National,
            },
            Question {
                id: "comment".into(),
                kind: QuestionKind::Text,
                text: "ご意見".into(),
                choices: Vec::new(),
                required: false,
                origin: SurveyScope::National,
            },
        ];
        if extra {
            questions.push(Question {
                id: "hiroba".into(),
                kind: QuestionKind::Single,
                text: "ひろば".into(),
                choices: Choice::numbered(&["はい", "いいえ"]),
                required: false,
                origin: SurveyScope::Municipal,
            });
        }
        let date = |text: &str| text.parse().expect("date");
        SurveyEntry {
            id: "reader".into(),
            scope: SurveyScope::National,
            title: "読者アンケート".into(),
            when: Rule::Date(CalendarDate(date("2027-01-20"))),
            tracks: Some(vec![TrackId::Baby]),
            open: OpenPeriod { from: date("2027-01-20"), until: date("2027-02-28") },
            url: "u".into(),
            section: "s".into(),
            hash: "h".into(),
            line: None,
            review: ReviewStatus::Draft,
            questions,
        }
    }

    fn sheet(stage: StageBucket, channel: Channel, pairs: &[(&str, Answer)]) -> AnswerSheet {
        AnswerSheet {
            stage,
            channel,
            answers: Answers(pairs.iter().map(|(id, a)| ((*id).to_owned(), a.clone())).collect()),
        }
    }

    fn choices(ids: &[&str]) -> Answer {
        Answer::Choices(ids.iter().map(|s| (*s).to_owned()).collect())
    }

    fn cell<'r>(report: &'r Report, table: &str, row: &str, column: usize) -> &'r Cell {
        let table = report.table(table).unwrap_or_else(|| panic!("table {table}"));
        let row = table.rows.iter().find(|r| r.label == row).unwrap_or_else(|| panic!("row {row}"));
        &row.cells[column]
    }

    #[test]
    fn counts_shares_n_and_the_response_rate_follow_the_answers() {
        let entry = survey(true);
        let results = SurveyResults {
            municipality: "てすと市".into(),
            survey: &entry,
            sheets: vec![
                sheet(
                    StageBucket::Age0,
                    Channel::Mail,
                    &[("reading", choices(&["1"])), ("helpful", choices(&["1", "2"]))],
                ),
                sheet(
                    StageBucket::Age0,
                    Channel::Line,
                    &[("reading", choices(&["1"])), ("comment", Answer::Text("ありがとう".into()))],
                ),
                sheet(
                    StageBucket::Pregnancy,
                    Channel::Mail,
                    &[("reading", choices(&["3"])), ("helpful", choices(&["2"]))],
                ),
            ],
            invitations: [
                ((StageBucket::Age0, Channel::Mail), 6),
                ((StageBucket::Age0, Channel::Line), 2),
                ((StageBucket::Pregnancy, Channel::Mail), 4),
            ]
            .into_iter()
            .collect(),
        };
        let report = results.report("2027-03-01".parse().expect("date"));
        assert_eq!(cell(&report, "survey-response", "全体", 0), &Cell::Count(12));
        assert_eq!(cell(&report, "survey-response", "全体", 2), &Cell::Share(Some(0.25)));
        assert_eq!(cell(&report, "survey-response", "0歳", 2), &Cell::Share(Some(0.25)));
        assert_eq!(cell(&report, "survey-response", "LINE", 2), &Cell::Share(Some(0.5)));
        assert_eq!(cell(&report, "q-reading", "必ず読む", 0), &Cell::Count(2));
        assert_eq!(cell(&report, "q-reading", "回答者数（n）", 0), &Cell::Count(3));
        assert_eq!(cell(&report, "q-helpful", "健康", 1), &Cell::Share(Some(1.0)), "2 of n = 2");
        assert_eq!(cell(&report, "q-reading-stage", "必ず読む", 1), &Cell::Share(Some(1.0)), "0歳: both");
        assert_eq!(cell(&report, "q-reading-channel", "読まない", 0), &Cell::Share(Some(0.5)));
        assert!(report.table("text-comment").is_none(), "free text stays out of the report");
        assert_eq!(report.sections.iter().map(|s| s.charts.len()).sum::<usize>(), 3, "a chart per choice question");

        let workbook = results.staff_workbook("2027-03-01".parse().expect("date"));
        let texts = workbook.table("text-comment").expect("free text for staff");
        assert_eq!(texts.rows[0].cells, vec![Cell::Text("ありがとう".into())]);

        // The public HTML has a chart per choice question and no free text; the staff workbook has it.
        let html = crate::html::render(&report).expect("html");
        assert_eq!(html.matches("<svg").count(), 3);
        assert!(!html.contains("ありがとう"));
        let bytes = crate::xlsx::render(&workbook).expect("xlsx");
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("read");
        let found = calamine::Reader::sheet_names(&book).into_iter().any(|name| {
            calamine::Reader::worksheet_range(&mut book, &name).is_ok_and(|range| {
                range.cells().any(|(_, _, c)| matches!(c, calamine::Data::String(text) if text == "ありがとう"))
            })
        });
        assert!(found, "free text is in the staff workbook");
    }

    #[test]
    fn the_national_roll_up_sums_the_national_questions_of_every_town() {
        let (a, b) = (survey(true), survey(false));
        let mut changed = survey(false);
        changed.questions[0].text = "別の聞き方".into();
        let one = |name: &str, entry, ids: &[&str]| SurveyResults {
            municipality: name.into(),
            survey: entry,
            sheets: ids
                .iter()
                .map(|id| sheet(StageBucket::Age0, Channel::Mail, &[("reading", choices(&[id]))]))
                .collect(),
            invitations: [((StageBucket::Age0, Channel::Mail), 10)].into_iter().collect(),
        };
        let towns = [one("A市", &a, &["1", "1"]), one("B町", &b, &["2"]), one("C村", &changed, &["3"])];
        let report = national_roll_up(&towns, "2027-03-01".parse().expect("date")).expect("report");
        assert_eq!(cell(&report, "q-reading", "必ず読む", 0), &Cell::Count(2));
        assert_eq!(cell(&report, "q-reading", "ときどき", 0), &Cell::Count(1));
        assert_eq!(cell(&report, "q-reading", "読まない", 0), &Cell::Count(0), "C村 is left out");
        assert_eq!(cell(&report, "survey-response", "全体", 0), &Cell::Count(20));
        assert!(report.table("q-hiroba").is_none(), "municipal questions are not rolled up");
        assert!(report.subtitle.iter().any(|l| l.contains("C村")));
    }
}
