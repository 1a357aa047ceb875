//! Messages about reader survey files (`surveys/<id>.yaml`, `municipalities/<m>/surveys/<id>.yaml`).

use super::{entries, Entry};

entries! {
    SURVEY_TITLE_MISSING = "survey-title-missing" {
        ja: "`title`（アンケートの題名）がありません",
        ja_hint: "title: を書いてください",
        en: "the survey has no `title`",
        en_hint: "add `title:`",
    }
    SURVEY_INTRODUCTION_MISSING = "survey-introduction-missing" {
        ja: "`introduction`（アンケートの前書き）がありません",
        ja_hint: "読者へのお願いの文を introduction: に書いてください",
        en: "the survey has no `introduction`",
        en_hint: "write the request to readers in `introduction:`",
    }
    SURVEY_INTRODUCTION_LENGTH = "survey-introduction-length" {
        ja: "`introduction` は1〜{max}文字で書いてください",
        ja_hint: "",
        en: "`introduction` must have 1 to {max} characters",
        en_hint: "",
    }
    SURVEY_WHEN_MISSING = "survey-when-missing" {
        ja: "`when`（いつ読者にお願いするか）がありません",
        ja_hint: "例：when: { age: 4m }、when: { pregnancy: 30w0d }、when: { date: 2027-02-01 } と tracks",
        en: "the survey has no `when` (when readers are asked)",
        en_hint: "e.g. when: { age: 4m }, when: { pregnancy: 30w0d }, or when: { date: 2027-02-01 } with tracks",
    }
    SURVEY_DATE_NEEDS_TRACKS = "survey-date-needs-tracks" {
        ja: "日付で決めたアンケートには、対象の読者の `tracks` が必要です",
        ja_hint: "例：tracks: [maternity, baby]",
        en: "a survey on a date needs the `tracks` whose readers are asked",
        en_hint: "e.g. tracks: [maternity, baby]",
    }
    SURVEY_TRACKS_EMPTY = "survey-tracks-empty" {
        ja: "`tracks` が空です",
        ja_hint: "対象のトラックを一つ以上書いてください",
        en: "`tracks` is empty",
        en_hint: "list at least one track",
    }
    SURVEY_TRACKS_ONLY_FOR_DATE = "survey-tracks-only-for-date" {
        ja: "`tracks` は日付（date）で決めたアンケートだけに書けます（このアンケートは{rule}）",
        ja_hint: "tracks: を削除してください",
        en: "`tracks` is only for surveys on a date (this one is asked at {rule})",
        en_hint: "remove `tracks:`",
    }
    SURVEY_OPEN_MISSING = "survey-open-missing" {
        ja: "`open`（回答を受け付ける期間）がありません",
        ja_hint: "例：open: { from: 2027-01-05, until: 2027-03-31 }",
        en: "the survey has no `open` period",
        en_hint: "e.g. open: { from: 2027-01-05, until: 2027-03-31 }",
    }
    SURVEY_OPEN_REVERSED = "survey-open-reversed" {
        ja: "回答期間の終わり（{until}）が始まり（{from}）より前です",
        ja_hint: "",
        en: "the open period ends ({until}) before it starts ({from})",
        en_hint: "",
    }
    SURVEY_DATE_OUTSIDE_OPEN = "survey-date-outside-open" {
        ja: "お願いする日（{date}）が回答期間（{from}〜{until}）の外です",
        ja_hint: "回答期間の中の日にしてください",
        en: "the survey's day ({date}) is outside its open period ({from} to {until})",
        en_hint: "choose a day inside the open period",
    }
    SURVEY_EXTRA_KEY = "survey-extra-key" {
        ja: "全国共通のアンケート {national} に質問を追加するファイルには `{key}` を書けません",
        ja_hint: "追加の質問（questions）と review だけを書いてください。独自のアンケートにするときは、別のファイル名にしてください",
        en: "a file adding questions to the national survey {national} cannot set `{key}`",
        en_hint: "write only the extra `questions` and `review`; give the file another name for a survey of your own",
    }
    SURVEY_TOO_MANY_WITH_NATIONAL = "survey-too-many-with-national" {
        ja: "全国共通の質問とあわせて{max}問までです",
        ja_hint: "",
        en: "at most {max} questions together with the national ones",
        en_hint: "",
    }
    SURVEY_REVIEW_MISSING = "survey-review-missing" {
        ja: "`review` がありません",
        ja_hint: "review: { status: draft } を書き、監修が済んだら reviewed にしてください",
        en: "the survey has no `review`",
        en_hint: "write review: { status: draft }, and reviewed once it has been supervised",
    }
    SURVEY_DRAFT_IN_PRODUCTION = "survey-draft-in-production" {
        ja: "下書き（draft）のアンケートは --production では公開できません",
        ja_hint: "監修を受けて review: { status: reviewed, by: … } にするか、--production を付けずにビルドしてください",
        en: "a draft survey cannot be published with --production",
        en_hint: "have it reviewed and set review: { status: reviewed, by: … }, or build without --production",
    }
    SURVEY_NO_QUESTIONS = "survey-no-questions" {
        ja: "質問が一つもありません",
        ja_hint: "questions: に質問を書いてください",
        en: "the survey has no questions",
        en_hint: "write the questions under `questions:`",
    }
    SURVEY_TOO_MANY_QUESTIONS = "survey-too-many-questions" {
        ja: "質問は{max}問までです（いまは{count}問）",
        ja_hint: "",
        en: "at most {max} questions (there are {count})",
        en_hint: "",
    }
    SURVEY_QUESTION_ID = "survey-question-id" {
        ja: "質問{n}（{id}）: id は半角の小文字・数字・ハイフンで書いてください",
        ja_hint: "",
        en: "question {n} ({id}): use lowercase ASCII letters, digits and '-' for the id",
        en_hint: "",
    }
    SURVEY_QUESTION_DUPLICATE = "survey-question-duplicate" {
        ja: "質問{n}（{id}）: id が重複しています",
        ja_hint: "id を変えてください",
        en: "question {n} ({id}): the id is used twice",
        en_hint: "change the id",
    }
    SURVEY_QUESTION_NATIONAL_ID = "survey-question-national-id" {
        ja: "質問{n}（{id}）: 全国共通の質問と同じ id は使えません",
        ja_hint: "id を変えてください",
        en: "question {n} ({id}): a national question has this id",
        en_hint: "change the id",
    }
    SURVEY_TEXT_WITH_CHOICES = "survey-text-with-choices" {
        ja: "質問{n}（{id}）: 自由記述（text）に choices は書けません",
        ja_hint: "",
        en: "question {n} ({id}): a free-text question has no choices",
        en_hint: "",
    }
    SURVEY_SCALE_CHOICES = "survey-scale-choices" {
        ja: "質問{n}（{id}）: 5段階（scale）の choices はちょうど5つです（いまは{count}つ）",
        ja_hint: "低い方から高い方の順に、例：[よくなかった, あまりよくなかった, どちらともいえない, よかった, とてもよかった]",
        en: "question {n} ({id}): a scale has exactly 5 choices (there are {count})",
        en_hint: "from low to high, e.g. [よくなかった, あまりよくなかった, どちらともいえない, よかった, とてもよかった]",
    }
    SURVEY_CHOICE_COUNT = "survey-choice-count" {
        ja: "質問{n}（{id}）: 選択肢は2〜{max}個です（いまは{count}個）",
        ja_hint: "",
        en: "question {n} ({id}): 2 to {max} choices (there are {count})",
        en_hint: "",
    }
    SURVEY_CHOICE_DUPLICATE = "survey-choice-duplicate" {
        ja: "質問{n}（{id}）: 選択肢「{choice}」が重複しています",
        ja_hint: "",
        en: "question {n} ({id}): the choice 「{choice}」 is listed twice",
        en_hint: "",
    }
    SURVEY_FIELD_EMPTY = "survey-field-empty" {
        ja: "{field} が空です",
        ja_hint: "",
        en: "{field} is empty",
        en_hint: "",
    }
    SURVEY_FIELD_TOO_LONG = "survey-field-too-long" {
        ja: "{field} は{max}文字以内で書いてください",
        ja_hint: "",
        en: "{field} may have at most {max} characters",
        en_hint: "",
    }
    SURVEY_FIELD_ONE_LINE = "survey-field-one-line" {
        ja: "{field} は1行で書いてください",
        ja_hint: "",
        en: "{field} must be one line",
        en_hint: "",
    }
    SURVEY_OPT_OUT_UNKNOWN = "survey-opt-out-unknown" {
        ja: "surveys.opt_out の「{id}」という全国アンケートはありません（あるもの：{known}）",
        ja_hint: "content/surveys/ にあるファイル名（.yaml を除く）か、all と書いてください",
        en: "surveys.opt_out: there is no national survey `{id}` (there are: {known})",
        en_hint: "use a file name of content/surveys/ without .yaml, or `all`",
    }
    SURVEY_OPT_OUT_EXTRA = "survey-opt-out-extra" {
        ja: "全国アンケート「{id}」は {municipality} の surveys.opt_out で実施しないことになっているため、この追加の質問は使われません",
        ja_hint: "実施するなら opt_out から外し、実施しないならこのファイルを削除してください",
        en: "the national survey `{id}` is opted out in {municipality} (surveys.opt_out), so these extra questions would never be asked",
        en_hint: "remove it from opt_out to run it, or delete this file",
    }
}
