//! Writes a sample of reader survey results as the municipality report carries them (HTML and the
//! staff workbook) into the directory given as the first argument: the browser test
//! (tests/browser/reports-surveys.test.js) opens the HTML in Chromium. The answers are synthetic
//! and the survey a draft of a fictional town; the sections go through the real path of the monthly
//! report (`SurveyResults::embedded_sections`, the national roll-up).

use kizuna_reports::survey::{embed, national_roll_up, AnswerSheet, Invitations, SurveyResults};
use kizuna_reports::{Format, Report};
use kizuna_schedule::survey::{
    Answer, Answers, Choice, OpenPeriod, Question, QuestionKind, StageBucket, SurveyEntry, SurveyScope,
};
use kizuna_schedule::{CalendarDate, Channel, ReviewStatus, Rule, TrackId};

/// Free text that must reach the workbook only.
const COMMENT: &str = "（自由記述の見本）毎回楽しみにしています";

fn question(id: &str, kind: QuestionKind, text: &str, labels: &[&str], origin: SurveyScope) -> Question {
    Question {
        id: id.to_owned(),
        kind,
        text: text.to_owned(),
        choices: Choice::numbered(labels),
        required: kind == QuestionKind::Single,
        origin,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: survey_sample DIR")?;
    let survey = SurveyEntry {
        id: "reader-2027".to_owned(),
        scope: SurveyScope::National,
        title: "読者アンケート 2027".to_owned(),
        when: Rule::Date(CalendarDate("2027-01-20".parse()?)),
        tracks: Some(vec![TrackId::Maternity, TrackId::Baby]),
        open: OpenPeriod { from: "2027-01-20".parse()?, until: "2027-02-28".parse()? },
        url: "https://kizuna.example.jp/yumemino/surveys/reader-2027/".to_owned(),
        section: "mail/sections/survey/reader-2027.json".to_owned(),
        hash: String::new(),
        line: None,
        review: ReviewStatus::Draft,
        questions: vec![
            question(
                "reading",
                QuestionKind::Single,
                "メッセージを読んでいますか",
                &["届いたら必ず読む", "ときどき読む", "あまり読まない"],
                SurveyScope::National,
            ),
            question(
                "helpful",
                QuestionKind::Multiple,
                "役に立った内容（いくつでも）",
                &["成長の目安", "健康・受診", "地域の子育て支援"],
                SurveyScope::National,
            ),
            question(
                "overall",
                QuestionKind::Scale,
                "全体としていかがでしたか",
                &["とてもよかった", "よかった", "ふつう", "あまりよくなかった", "よくなかった"],
                SurveyScope::National,
            ),
            question("comment", QuestionKind::Text, "ご意見・ご感想", &[], SurveyScope::Municipal),
        ],
    };
    let stages = [StageBucket::Pregnancy, StageBucket::Age0, StageBucket::Age1To2];
    let sheets: Vec<AnswerSheet> = (0..60usize)
        .map(|n| {
            let mut answers = vec![
                ("reading".to_owned(), Answer::Choices(vec![(1 + n % 3).to_string()])),
                ("helpful".to_owned(), Answer::Choices((1..=1 + n % 3).map(|c| c.to_string()).collect())),
                ("overall".to_owned(), Answer::Choices(vec![(1 + n % 5).to_string()])),
            ];
            if n == 7 {
                answers.push(("comment".to_owned(), Answer::Text(COMMENT.to_owned())));
            }
            AnswerSheet {
                stage: stages[n % stages.len()],
                channel: if n % 4 == 0 { Channel::Line } else { Channel::Mail },
                answers: Answers(answers.into_iter().collect()),
            }
        })
        .collect();
    let invitations: Invitations =
        stages.iter().flat_map(|stage| [((*stage, Channel::Mail), 45), ((*stage, Channel::Line), 15)]).collect();
    let results = SurveyResults { municipality: "夢見野市".to_owned(), survey: &survey, sheets, invitations };
    let generated_on = "2027-03-01".parse()?;
    let mut sections = results.embedded_sections(false, generated_on);
    let roll_up = national_roll_up(std::slice::from_ref(&results), generated_on).ok_or("roll-up")?;
    sections.extend(embed(roll_up, "national-reader-2027", "読者アンケート 2027（全国集計）"));
    let report = Report {
        title: "夢見野市 読者アンケートの結果（見本）".to_owned(),
        subtitle: vec!["見本のデータです（架空の自治体・架空の回答）。".to_owned()],
        sections,
    };
    let staff = Report { sections: results.embedded_sections(true, generated_on), ..report.clone() };
    let path = std::path::Path::new(&dir);
    for written in kizuna_reports::write(&report, Format::Html, path, "survey-2027")?
        .into_iter()
        .chain(kizuna_reports::write(&staff, Format::Xlsx, path, "survey-2027")?)
    {
        println!("{}", written.display());
    }
    Ok(())
}
