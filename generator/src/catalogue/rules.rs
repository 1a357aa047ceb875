//! Messages about what content says: rules and tracks, texts, topics, local information and its
//! dates, coverage, repeats, the house style, search synonyms and 原稿確認.

use super::{entries, Entry};

entries! {
    TRACK_YAML_MISSING = "track-yaml-missing" {
        ja: "track.yaml がないため、既定の名前を使います",
        ja_hint: "name と description を書いた track.yaml を置いてください",
        en: "track.yaml is missing; the default name is used",
        en_hint: "add track.yaml with name and description",
    }
    RULE_FOR_ANNOUNCEMENTS = "rule-for-announcements" {
        ja: "「{rule}」は自治体のお知らせ専用のルールです",
        ja_hint: "トラックのメッセージには pregnancy・day・age・birthday・school のルールを使ってください",
        en: "`{rule}` is for municipal announcements only",
        en_hint: "track messages use pregnancy, day, age, birthday or school rules",
    }
    RULE_WRONG_ANCHOR = "rule-wrong-anchor" {
        ja: "「{rule}」は{kind}から数えますが、トラック {track} は{track_kind}から数えます",
        ja_hint: "同じ起点のトラックに移すか、ルールを変えてください",
        en: "`{rule}` counts from the {kind} but track {track} counts from the {track_kind}",
        en_hint: "move the message to a track with the same anchor, or change its rule",
    }
    RULE_OUTSIDE_WINDOW = "rule-outside-window" {
        ja: "「{rule}」（{label}）はどの子にとってもトラック {track} の期間の外です",
        ja_hint: "トラックの期間内のルールにするか（DESIGN.md §3）、別のトラックに移してください",
        en: "`{rule}` ({label}) falls outside the {track} track's window for every child",
        en_hint: "choose a rule inside the track's window (see DESIGN.md §3) or move the message to another track",
    }
    SAME_DAY = "same-day" {
        ja: "トラック {track} の2つのメッセージが同じ日に届きます: このファイル（{rule}）と {other}（{other_rule}）",
        ja_hint: "1日に1通にしてください。どちらかのルールを変えるか、2つを1つにまとめてください",
        en: "two messages of track {track} fall on the same day: this one (`{rule}`) and {other} (`{other_rule}`)",
        en_hint: "give each day one message: change one rule, or merge the two files",
    }
    TEXT_EMPTY = "text-empty" {
        ja: "「{key}」が空です",
        ja_hint: "「{key}」を書いてください",
        en: "`{key}` is empty",
        en_hint: "write the {key}",
    }
    TEXT_NOT_ONE_LINE = "text-not-one-line" {
        ja: "「{key}」は1行で書いてください",
        ja_hint: "改行を取り除いてください",
        en: "`{key}` must be one line",
        en_hint: "remove the line breaks",
    }
    UNKNOWN_PLACEHOLDER = "unknown-placeholder" {
        ja: "「{key}」の差し込み {placeholder} は使えません",
        ja_hint: "使えるのは {known} です",
        en: "unknown placeholder `{placeholder}` in `{key}`",
        en_hint: "use one of {known}",
    }
    MARKDOWN_HTML = "markdown-html" {
        ja: "「{key}」に HTML（{tag}）が含まれています",
        ja_hint: "段落・**強調**・箇条書き・リンクだけを使ってください",
        en: "`{key}` contains raw HTML (`{tag}`)",
        en_hint: "use only paragraphs, **strong**, lists and links",
    }
    MARKDOWN_SCRIPT = "markdown-script" {
        ja: "「{key}」に <script> タグ（{tag}）が含まれています",
        ja_hint: "段落・**強調**・箇条書き・リンクだけを使ってください",
        en: "`{key}` contains a <script> tag (`{tag}`)",
        en_hint: "use only paragraphs, **strong**, lists and links",
    }
    MARKDOWN_HEADING = "markdown-heading" {
        ja: "「{key}」に見出し（#）が含まれています",
        ja_hint: "見出しの代わりに **強調** の行を使ってください",
        en: "`{key}` contains a heading (#); use a **strong** line instead",
        en_hint: "use only paragraphs, **strong**, lists and links",
    }
    MARKDOWN_IMAGE = "markdown-image" {
        ja: "「{key}」に画像が含まれています。画像は使えません",
        ja_hint: "段落・**強調**・箇条書き・リンクだけを使ってください",
        en: "`{key}` contains an image; images are not supported",
        en_hint: "use only paragraphs, **strong**, lists and links",
    }
    MARKDOWN_CODE = "markdown-code" {
        ja: "「{key}」にコード書式（バッククォート、または字下げした行）が含まれています",
        ja_hint: "バッククォートと行頭の字下げを取り除いてください",
        en: "`{key}` contains code formatting (backticks or indented lines)",
        en_hint: "use only paragraphs, **strong**, lists and links",
    }
    MARKDOWN_QUOTE = "markdown-quote" {
        ja: "「{key}」に引用（>）が含まれています",
        ja_hint: "段落・**強調**・箇条書き・リンクだけを使ってください",
        en: "`{key}` contains a quote (>)",
        en_hint: "use only paragraphs, **strong**, lists and links",
    }
    MARKDOWN_RULE = "markdown-rule" {
        ja: "「{key}」に区切り線（---）が含まれています",
        ja_hint: "段落・**強調**・箇条書き・リンクだけを使ってください",
        en: "`{key}` contains a horizontal rule (---)",
        en_hint: "use only paragraphs, **strong**, lists and links",
    }
    MARKDOWN_LINK = "markdown-link" {
        ja: "「{key}」のリンク先「{url}」は使えません",
        ja_hint: "リンクは https:・http:・mailto:・tel: で始めてください",
        en: "`{key}` links to `{url}`",
        en_hint: "links must start with https:, http:, mailto: or tel:",
    }
    NO_TOPICS = "no-topics" {
        ja: "メッセージにトピックがありません",
        ja_hint: "site.yaml にあるトピックを1〜3個、`topics: [...]` で書いてください",
        en: "the message has no topics",
        en_hint: "add `topics: [...]` with 1–3 topics from site.yaml",
    }
    UNKNOWN_TOPIC = "unknown-topic" {
        ja: "トピック「{topic}」は登録されていません",
        ja_hint: "content/site.yaml にあるトピックを使うか、そこに追加してください",
        en: "unknown topic `{topic}`",
        en_hint: "use a topic listed in content/site.yaml, or add it there",
    }
    TOPIC_TWICE = "topic-twice" {
        ja: "トピック「{topic}」が2回書かれています",
        ja_hint: "1回だけにしてください",
        en: "topic `{topic}` is listed twice",
        en_hint: "list it once",
    }
    TOPICS_EMPTY = "topics-empty" {
        ja: "トピックの一覧が空です",
        ja_hint: "メッセージが使うトピックを site.yaml の topics に書いてください",
        en: "the topic vocabulary is empty",
        en_hint: "list the topics messages may use",
    }
    DRAFT_IN_PRODUCTION = "draft-in-production" {
        ja: "下書き（draft）の原稿は --production では公開できません",
        ja_hint: "監修を受けて `review: { status: reviewed, by: … }` にするか、--production なしでビルドしてください",
        en: "draft content cannot be published with --production",
        en_hint: "have it reviewed and set `review: { status: reviewed, by: … }`, or build without --production",
    }
    TRACK_IN_WRONG_LIST = "track-in-wrong-list" {
        ja: "{track} は「{key}:」ではなく「{other}:」に書きます",
        ja_hint: "「{other}:」に移してください",
        en: "{track} belongs under `{other}:`, not `{key}:`",
        en_hint: "move it under `{other}:`",
    }
    TRACK_WITHOUT_CONTENT = "track-without-content" {
        ja: "この自治体はトラック {track} を使う設定ですが、そのメッセージがありません",
        ja_hint: "content/tracks/{track}/ にメッセージを置くか、「{key}:」から外してください",
        en: "the municipality enables track {track}, which has no content",
        en_hint: "add messages under content/tracks/{track}/ or remove it from `{key}:`",
    }
    OVERRIDE_OF_UNKNOWN = "override-of-unknown" {
        ja: "{id} を差し替えようとしていますが、そのような基本メッセージはありません",
        ja_hint: "差し替える基本メッセージと同じ名前のファイルにしてください",
        en: "overrides {id}, which is not a base message",
        en_hint: "name the file like the base message it replaces",
    }
    OVERRIDE_OWNED_BY_ADDON = "override-owned-by-addon" {
        ja: "{id} の差し替えは送られません: この自治体では追加メッセージ {addon} がその学年を受け持つため、{id} 自体が送られません",
        ja_hint: "{addon} のメッセージを差し替えるか、このファイルを削除してください",
        en: "the override of {id} is never sent: the enabled add-on {addon} owns its school year, so {id} is not sent here",
        en_hint: "override a message of {addon} instead, or remove this file",
    }
    UNKNOWN_CATEGORY = "unknown-category" {
        ja: "区分「{category}」は使えません",
        ja_hint: "次のどれかにしてください: {known}",
        en: "unknown category `{category}`",
        en_hint: "use one of {known}",
    }
    VALID_FROM_AFTER_UNTIL = "valid-from-after-until" {
        ja: "有効期間の開始 {from} が終了 {until} より後です",
        ja_hint: "開始と終了を入れ替えてください",
        en: "valid.from {from} is after valid.until {until}",
        en_hint: "swap the dates",
    }
    ATTACH_OR_WHEN = "attach-or-when" {
        ja: "地域情報には attach_to と when のどちらか一方だけが必要です",
        ja_hint: "メッセージに添える（attach_to: maternity/08w0d）か、時期を決める（when: …）かのどちらかにしてください",
        en: "local information needs exactly one of `attach_to` or `when`",
        en_hint: "attach it to a message (attach_to: maternity/08w0d) or give it a rule (when: …)",
    }
    ATTACH_TO_UNKNOWN = "attach-to-unknown" {
        ja: "attach_to「{target}」というメッセージはありません",
        ja_hint: "あるメッセージの「トラック/ファイル名」を書いてください（例: maternity/08w0d）",
        en: "attach_to `{target}` names no message",
        en_hint: "write track/stem of an existing message, e.g. maternity/08w0d",
    }
    ATTACH_TO_DISABLED = "attach-to-disabled" {
        ja: "attach_to「{target}」はトラック {track} のメッセージですが、この自治体はそのトラックを使っていません",
        ja_hint: "使っているトラックのメッセージに添えてください",
        en: "attach_to `{target}` is in track {track}, which this municipality does not enable",
        en_hint: "attach it to a message of an enabled track",
    }
    ATTACH_TO_OWNED = "attach-to-owned" {
        ja: "attach_to「{target}」はこの自治体では送られません: 追加メッセージ {addon} がその学年を受け持ちます",
        ja_hint: "{addon} のメッセージに添えてください",
        en: "attach_to `{target}` is not sent here: the enabled add-on {addon} owns its school year",
        en_hint: "attach it to a message of {addon} instead",
    }
    TRACKS_ONLY_FOR_DATE = "tracks-only-for-date" {
        ja: "「tracks」は日付のお知らせ（date:）にだけ書けます",
        ja_hint: "「tracks」を削除してください。届く相手はルールの起点で決まります",
        en: "`tracks` is only for `date:` announcements",
        en_hint: "remove `tracks`: a rule's recipients follow from its anchor",
    }
    ANNOUNCEMENT_NEEDS_TRACKS = "announcement-needs-tracks" {
        ja: "日付のお知らせ（date:）には「tracks」が必要です",
        ja_hint: "誰に届けるかを書いてください（例: tracks: [maternity, baby]）",
        en: "an announcement (`date:` rule) needs `tracks`",
        en_hint: "list who receives it, e.g. tracks: [maternity, baby]",
    }
    ANNOUNCEMENT_TRACK_DISABLED = "announcement-track-disabled" {
        ja: "トラック {track} はこの自治体で使われていません",
        ja_hint: "municipality.yaml の tracks にあるトラックだけを書いてください",
        en: "track {track} is not enabled by this municipality",
        en_hint: "list only tracks the municipality enables",
    }
    LOCAL_RULE_OUTSIDE = "local-rule-outside" {
        ja: "「{rule}」はこの自治体が使うどのトラックの期間にも入らないため、誰にも届きません",
        ja_hint: "使っているトラックの期間内のルールにしてください",
        en: "`{rule}` falls outside every track this municipality enables, so nobody would receive it",
        en_hint: "choose a rule within an enabled track's window",
    }
    ANNOUNCEMENT_OUTSIDE_VALIDITY = "announcement-outside-validity" {
        ja: "お知らせの日付 {date} が、この地域情報の有効期間（{from}〜{until}）の外です。このままでは公開されても送られません",
        ja_hint: "お知らせの日付か有効期間を直してください",
        en: "the announcement's date {date} lies outside its own validity ({from} – {until}): it would be published but never sent",
        en_hint: "correct the date or the validity",
    }
    ANNOUNCEMENT_IN_PAST = "announcement-in-past" {
        ja: "お知らせの日付 {date} は、ビルドする日（{today}）より前です。もう送られません",
        ja_hint: "日付を直すか、終わったお知らせなら削除してください",
        en: "the announcement's date {date} is before the build date ({today}); it will not be sent",
        en_hint: "correct the date, or remove the announcement if it is over",
    }
    LOCAL_ALL_EXPIRED = "local-all-expired" {
        ja: "{name}の地域情報は、{eve} に有効だった {before} 件がどれも {today} には有効期間外です（今日有効なのは {now} 件）。メールから地域の案内が抜けています",
        ja_hint: "kizuna local export / import で今年度の地域情報を登録してください（年度更新、docs/staff/）",
        en: "the local information of {name} has run out: none of the {before} item(s) valid on {eve} is valid on {today} ({now} valid today); mails go out without their local sections",
        en_hint: "register this fiscal year's local information with kizuna local export / import (docs/staff/)",
    }
    LOCAL_NONE_NEXT_YEAR = "local-none-next-year" {
        ja: "{name}の地域情報は、今日有効な {now} 件がどれも {year}年度（{start}から）には続きません（{start} に有効なのは {next} 件）",
        ja_hint: "4月1日までに kizuna local export / import で新しい年度の地域情報を登録してください（年度更新、docs/staff/）",
        en: "none of the {now} local item(s) of {name} valid today continues into fiscal year {year} (from {start}; {next} valid then)",
        en_hint: "before April 1, register the new fiscal year's local information with kizuna local export / import (docs/staff/)",
    }
    VALIDITY_NOT_FISCAL = "validity-not-fiscal" {
        ja: "有効期間（{from}〜{until}）が年度（4月1日〜3月31日）の区切りと合っていません",
        ja_hint: "年度の途中で始まる・終わる情報なら、そのままでかまいません。年度単位の情報なら 4月1日〜3月31日にしてください",
        en: "the validity ({from} – {until}) is not aligned with fiscal years (April 1 – March 31)",
        en_hint: "fine if the item really starts or ends within the year; otherwise use April 1 – March 31",
    }
    EXPIRES_SOON = "expires-soon" {
        ja: "{until} に有効期間が終わります（あと {left} 日）",
        ja_hint: "次の期間の内容に更新するか、終わらせてよいか確かめてください",
        en: "expires on {until}, in {left} days",
        en_hint: "update it for the next period, or let it expire",
    }
    COVERAGE_GAP = "coverage-gap" {
        ja: "{track}: {after} と {before} の間が {days} 日空きます（最大 {allowed} 日）。{sampled} 通りの日付のうち {anchors} 通りで起きます（例: {example}）",
        ja_hint: "間にメッセージを追加してください",
        en: "{track}: coverage gap of {days} days (at most {allowed} allowed) between {after} and {before}, for {anchors} of {sampled} sampled dates (e.g. {example})",
        en_hint: "add a message in between",
    }
    MISSING_BIRTHDAY = "missing-birthday" {
        ja: "トラック {track} に {birthday}歳の誕生日のメッセージがありません",
        ja_hint: "`when: { birthday: {birthday} }` のメッセージを追加してください",
        en: "track {track} has no message for the {birthday}歳の誕生日",
        en_hint: "add a message with `when: { birthday: {birthday} }`",
    }
    NEAR_DUPLICATE_BODY = "near-duplicate-body" {
        ja: "本文が {other} と {percent}% 同じです",
        ja_hint: "それぞれのメッセージに固有の内容を書いてください",
        en: "the body is {percent}% the same as {other}",
        en_hint: "make each message say something of its own",
    }
    CLOSE_REPEAT_SAME_TITLE = "close-repeat-same-title" {
        ja: "タイトルが {other} と同じで、{days} 日以内に同じ家庭に両方が届くことがあります（起点 {anchor}: {first} と {second}。{municipalities}）",
        ja_hint: "2つをまとめるか、それぞれ別のトピックとタイトルにしてください",
        en: "has the same title as {other}, and one family can receive both within {days} days (anchor {anchor}: {first} and {second}; in {municipalities})",
        en_hint: "merge the two messages, or give each its own topic and title",
    }
    CLOSE_REPEAT_TITLE = "close-repeat-title" {
        ja: "タイトルが {other} と {percent}% 同じで、{days} 日以内に同じ家庭に両方が届くことがあります（起点 {anchor}: {first} と {second}。{municipalities}）",
        ja_hint: "2つをまとめるか、それぞれ別のトピックとタイトルにしてください",
        en: "has a title {percent}% the same as {other}, and one family can receive both within {days} days (anchor {anchor}: {first} and {second}; in {municipalities})",
        en_hint: "merge the two messages, or give each its own topic and title",
    }
    CLOSE_REPEAT_BODY = "close-repeat-body" {
        ja: "本文が {other} と {percent}% 同じで、{days} 日以内に同じ家庭に両方が届くことがあります（起点 {anchor}: {first} と {second}。{municipalities}）",
        ja_hint: "2つをまとめるか、それぞれ別のトピックとタイトルにしてください",
        en: "has a body {percent}% the same as {other}, and one family can receive both within {days} days (anchor {anchor}: {first} and {second}; in {municipalities})",
        en_hint: "merge the two messages, or give each its own topic and title",
    }
    HOUSE_STYLE = "house-style" {
        ja: "「{variant}」: 表記ルールでは「{prefer}」と書きます（{style}）",
        ja_hint: "「{prefer}」と書くか、`kizuna check --fix` を実行してください",
        en: "「{variant}」: the house style writes 「{prefer}」 ({style})",
        en_hint: "write 「{prefer}」, or run `kizuna check --fix`",
    }
    HOUSE_STYLE_FIX_UNSAFE = "house-style-fix-unsafe" {
        ja: "表記ルールの自動修正が、本文以外の部分まで変えてしまいます",
        ja_hint: "このファイルは手で直してください（値のあとのコメントなど、YAML の記号の隣に表記ゆれがあるかもしれません）",
        en: "the house-style fix would change more than the variants in text values",
        en_hint: "fix this file by hand (a variant may sit next to YAML syntax, e.g. in a comment after a value)",
    }
    HOUSE_STYLE_FIX_WRITE = "house-style-fix-write" {
        ja: "修正を書き込めません: {error}",
        ja_hint: "ファイルの権限を確かめてください",
        en: "cannot write the fix: {error}",
        en_hint: "check the file's permissions",
    }
    STYLE_FILE_INVALID = "style-file-invalid" {
        ja: "style.yaml の書き方に誤りがあります: {detail}",
        ja_hint: "`rules:` に `- prefer: おなか` と `variants: [お腹]` の組を並べてください（docs/content-style.md）",
        en: "{detail}",
        en_hint: "write `rules:` as a list of `- prefer: おなか` with `variants: [お腹]` (see docs/content-style.md)",
    }
    STYLE_PREFER_EMPTY = "style-prefer-empty" {
        ja: "表記ルールの「prefer」が空です",
        ja_hint: "採用する表記を書いてください",
        en: "`prefer` is empty",
        en_hint: "write the preferred form",
    }
    STYLE_NO_VARIANTS = "style-no-variants" {
        ja: "「{prefer}」の表記ルールに variants（置き換える表記）がありません",
        ja_hint: "置き換える表記を並べてください",
        en: "the rule for 「{prefer}」 lists no variants",
        en_hint: "list the forms to replace",
    }
    STYLE_KEEP_WITHOUT_VARIANT = "style-keep-without-variant" {
        ja: "keep の「{word}」にはどの variants も含まれていません",
        ja_hint: "variants を含み、そのまま残す語だけを書いてください",
        en: "`keep` word 「{word}」 contains none of the variants",
        en_hint: "list only words that contain a variant and must stay as written",
    }
    STYLE_BEFORE_EMPTY = "style-before-empty" {
        ja: "表記ルールの「before」が空です",
        ja_hint: "digit や kana を書くか、「before」を削除してください",
        en: "`before` is empty",
        en_hint: "list digit and/or kana, or remove `before`",
    }
    STYLE_VARIANT_EMPTY = "style-variant-empty" {
        ja: "空の variant があります",
        ja_hint: "削除してください",
        en: "a variant is empty",
        en_hint: "remove it",
    }
    STYLE_VARIANT_IN_PREFERRED = "style-variant-in-preferred" {
        ja: "variant「{variant}」が採用表記「{prefer}」の中に含まれています",
        ja_hint: "修正で新しい表記ゆれが生まれないよう、もっと長い variant にしてください",
        en: "the variant 「{variant}」 occurs in the preferred form 「{prefer}」",
        en_hint: "a fix must not create a new variant: choose a longer variant",
    }
    STYLE_VARIANT_TWICE = "style-variant-twice" {
        ja: "variant「{variant}」は {line} 行目にもあります",
        ja_hint: "1つの variant は1つのルールにだけ書いてください",
        en: "the variant 「{variant}」 is already listed on line {line}",
        en_hint: "keep one rule per variant",
    }
    SYNONYM_NO_WORDS = "synonym-no-words" {
        ja: "同義語「{key}」に語が1つもありません",
        ja_hint: "ページで使われる語を書くか（例: `{key}: [麻しん]`）、この行を削除してください",
        en: "`{key}` lists no words",
        en_hint: "write the words pages use for it, e.g. `{key}: [麻しん]`, or remove the entry",
    }
    SYNONYM_TOO_SHORT = "synonym-too-short" {
        ja: "「{word}」は同義語にするには短すぎます",
        ja_hint: "{min} 文字以上の語にしてください。かな1文字はほぼすべてのページに当たります",
        en: "`{word}` is too short to be a synonym",
        en_hint: "use words of at least {min} characters: a single kana matches almost every page",
    }
    SYNONYM_TWICE = "synonym-twice" {
        ja: "「{word}」はすでに「{other}」の行にあります",
        ja_hint: "1つの語は1回だけ書き、2つの行を1つにまとめてください",
        en: "`{word}` is already in the entry `{other}`",
        en_hint: "list each word once: merge the two entries into one",
    }
    SIGNOFF_UNREADABLE = "signoff-unreadable" {
        ja: "原稿確認の記録を読めません: {error}",
        ja_hint: "kizuna local import で「原稿確認」シートを読み込み直してください",
        en: "cannot read the sign-off record: {error}",
        en_hint: "import the 「原稿確認」 sheet again with kizuna local import",
    }
    SIGNOFF_MISSING = "signoff-missing" {
        ja: "原稿確認が済んでいない原稿が {count} 件あります: {ids}",
        ja_hint: "kizuna local export で「原稿確認」シートを書き出し、確認して kizuna local import で読み込んでください",
        en: "{count} manuscript(s) have not been signed off: {ids}",
        en_hint: "export the 「原稿確認」 sheet with kizuna local export, review it and import it with kizuna local import",
    }
    SIGNOFF_CHANGED = "signoff-changed" {
        ja: "確認後に文面が変わった原稿が {count} 件あります: {ids}",
        ja_hint: "kizuna local export で「原稿確認」シートを書き出し、確認して kizuna local import で読み込んでください",
        en: "{count} manuscript(s) changed after they were signed off: {ids}",
        en_hint: "export the 「原稿確認」 sheet with kizuna local export, review it and import it with kizuna local import",
    }
}
