//! Messages about files: where they are, whether they read as YAML, the theme, the settings of a
//! `municipality.yaml` and the limits on sizes.

use super::{entries, Entry};

entries! {
    CONTENT_DIR_MISSING = "content-dir-missing" {
        ja: "content フォルダが見つかりません",
        ja_hint: "プロジェクトのフォルダ（content/ がある場所）で実行するか、--content でフォルダを指定してください",
        en: "the content directory does not exist",
        en_hint: "run kizuna from the project root, or pass --content DIR",
    }
    SITE_MISSING = "site-missing" {
        ja: "site.yaml がありません",
        ja_hint: "content/site.yaml に title・disclaimer・topics を書いてください",
        en: "site.yaml is missing",
        en_hint: "create content/site.yaml with title, disclaimer and topics",
    }
    MUNICIPALITY_FILE_MISSING = "municipality-file-missing" {
        ja: "自治体フォルダ「{id}」に municipality.yaml がありません",
        ja_hint: "municipality.yaml を置くか（DESIGN.md §4）、フォルダを削除してください",
        en: "municipality folder `{id}` has no municipality.yaml",
        en_hint: "add municipality.yaml (see DESIGN.md §4) or remove the folder",
    }
    STRAY_MUNICIPALITY_FILE = "stray-municipality-file" {
        ja: "このファイルは Kizuna が読む場所にありません",
        ja_hint: "自治体はフォルダごとに置きます: municipalities/<id>/municipality.yaml",
        en: "this file is not in a place Kizuna reads",
        en_hint: "each municipality is a folder: municipalities/<id>/municipality.yaml",
    }
    FILE_OUT_OF_PLACE = "file-out-of-place" {
        ja: "このファイルは Kizuna が読む場所にありません",
        ja_hint: "site・track・メッセージ・自治体・地域情報のファイルの置き場所は DESIGN.md §4 を見てください",
        en: "this file is not in a place Kizuna reads",
        en_hint: "see DESIGN.md §4 for where site, track, message, municipality and local files go",
    }
    SYMLINK_REFUSED = "symlink-refused" {
        ja: "これはシンボリックリンクです。Kizuna は content 内のリンクをたどりません",
        ja_hint: "リンクを実際のファイルやフォルダに置き換えてください（content/ にコピーする）",
        en: "this is a symbolic link; Kizuna does not follow links in content",
        en_hint: "replace the link with the real file or folder (copy it into content/)",
    }
    CANNOT_READ = "cannot-read" {
        ja: "読み込めません: {error}",
        ja_hint: "ファイルの権限と、ファイルが UTF-8 のテキストであることを確かめてください",
        en: "cannot read: {error}",
        en_hint: "check the file's permissions, and that it is UTF-8 text",
    }
    DUPLICATE_ID = "duplicate-id" {
        ja: "同じ名前（ID）のファイルがあります: {first}",
        ja_hint: "どちらか一方だけを残してください（拡張子は .yaml に）",
        en: "duplicate id: {first} has the same name",
        en_hint: "keep one of the two files (use the .yaml extension)",
    }
    FILE_TOO_LARGE = "file-too-large" {
        ja: "ファイルが {bytes} バイトあります。内容のファイルは {kib} KiB までです",
        ja_hint: "いくつかのメッセージに分けてください。本文は短くするきまりです",
        en: "the file has {bytes} bytes; a content file may have at most {kib} KiB",
        en_hint: "split the text into several messages; bodies are short by design",
    }
    INVALID_STEM = "invalid-stem" {
        ja: "「{stem}」は ID に使えるファイル名ではありません",
        ja_hint: "半角の英小文字・数字・「-」だけを使ってください（例: day-001.yaml）",
        en: "`{stem}` is not a valid file name for an id",
        en_hint: "use lowercase ASCII letters, digits and '-' only, e.g. day-001.yaml",
    }
    UNKNOWN_TRACK_FOLDER = "unknown-track-folder" {
        ja: "「{track}」というトラックはありません（使えるのは {known}）",
        ja_hint: "トラックは kizuna-schedule で決まっています。フォルダ名を直してください",
        en: "unknown track `{track}`: expected one of {known}",
        en_hint: "tracks are fixed in kizuna-schedule; rename the folder",
    }
    YAML_UNKNOWN_FIELD = "yaml-unknown-field" {
        ja: "「{field}」という項目はここには書けません（書ける項目: {expected}）",
        ja_hint: "項目名を直すか、削除してください",
        en: "unknown field `{field}`, expected {expected}",
        en_hint: "remove or rename the key; the allowed keys are listed in the message",
    }
    YAML_MISSING_FIELD = "yaml-missing-field" {
        ja: "必要な項目「{field}」がありません",
        ja_hint: "「{field}:」の行を追加してください（DESIGN.md §4）",
        en: "missing field `{field}`",
        en_hint: "add the missing key (see DESIGN.md §4)",
    }
    YAML_UNKNOWN_VALUE = "yaml-unknown-value" {
        ja: "「{value}」はここに書ける値ではありません（書ける値: {expected}）",
        ja_hint: "一覧にある値を使ってください",
        en: "unknown variant `{value}`, expected {expected}",
        en_hint: "use one of the listed values",
    }
    YAML_INVALID_VALUE = "yaml-invalid-value" {
        ja: "値が正しくありません: {detail}",
        ja_hint: "値を直してください（日付は 2027-04-01、数は半角で）",
        en: "{detail}",
        en_hint: "correct the value",
    }
    YAML_SYNTAX = "yaml-syntax" {
        ja: "YAML の書き方に誤りがあります: {detail}",
        ja_hint: "この行の近くの字下げ・コロン（:）・引用符を確かめてください",
        en: "{detail}",
        en_hint: "check the YAML syntax near this line (indentation, colons, quotes)",
    }
    FULL_WIDTH_COLON = "full-width-colon" {
        ja: "「{key}：」のコロンが全角です",
        ja_hint: "「{key}: 」のように半角のコロン（:）と半角スペースにしてください",
        en: "the colon after `{key}` is a full-width 「：」",
        en_hint: "write `{key}: ` with an ASCII colon and a space",
    }
    THEME_NO_TEMPLATES = "theme-no-templates" {
        ja: "テーマに templates/ フォルダがありません",
        ja_hint: "プロジェクトのフォルダで実行するか、--theme でフォルダを指定してください",
        en: "the theme has no templates/ folder",
        en_hint: "run kizuna from the project root, or pass --theme DIR",
    }
    THEME_UNREADABLE = "theme-unreadable" {
        ja: "テーマのファイルを読めません: {error}",
        ja_hint: "ファイルの権限を確かめてください",
        en: "cannot read the theme file: {error}",
        en_hint: "check the file's permissions",
    }
    TEMPLATE_ERROR = "template-error" {
        ja: "テンプレートに誤りがあります: {error}",
        ja_hint: "テンプレートの書き方を直してください",
        en: "template error: {error}",
        en_hint: "fix the template syntax",
    }
    TEMPLATE_MISSING = "template-missing" {
        ja: "必要なテンプレートがありません",
        ja_hint: "テーマにこのファイルを戻してください",
        en: "required template is missing",
        en_hint: "put this file back into the theme",
    }
    SYSTEM_MAILS_UNREADABLE = "system-mails-unreadable" {
        ja: "手続きメールの文面を読み込めません: {error}",
        ja_hint: "site-theme/system-mails.yaml を直してください",
        en: "cannot load transactional mail texts: {error}",
        en_hint: "fix site-theme/system-mails.yaml",
    }
    SYSTEM_MAIL_MISSING = "system-mail-missing" {
        ja: "手続きメール「{kind}」の文面がありません",
        ja_hint: "system-mails.yaml に「{kind}」を追加してください",
        en: "the text of the `{kind}` mail is missing",
        en_hint: "add `{kind}` to system-mails.yaml",
    }
    NO_SUCH_MUNICIPALITY = "no-such-municipality" {
        ja: "自治体「{id}」はありません",
        ja_hint: "ある自治体: {known}",
        en: "no municipality `{id}`",
        en_hint: "known municipalities: {known}",
    }
    CODE_REUSED = "code-reused" {
        ja: "自治体コード {code} は {first} でも使われています",
        ja_hint: "自治体ごとに別の地方公共団体コードが必要です",
        en: "code {code} is also used by {first}",
        en_hint: "each municipality needs its own local-government code",
    }
    INVALID_FOLDER_NAME = "invalid-folder-name" {
        ja: "フォルダ名「{id}」は ID に使えません",
        ja_hint: "半角の英小文字・数字・「-」だけを使ってください",
        en: "folder name `{id}` is not a valid id",
        en_hint: "use lowercase ASCII letters, digits and '-'",
    }
    CODE_NOT_SIX_DIGITS = "code-not-six-digits" {
        ja: "code「{code}」は6桁の地方公共団体コードではありません",
        ja_hint: "引用符で囲んで書いてください（例: code: \"999001\"）",
        en: "code `{code}` is not a 6-digit local-government code",
        en_hint: "write it quoted, e.g. code: \"999001\"",
    }
    DELIVERY_TIME_INVALID = "delivery-time-invalid" {
        ja: "delivery_time が正しくありません: {error}",
        ja_hint: "引用符で囲み、正時か30分で書いてください（例: delivery_time: \"07:00\"）",
        en: "delivery_time {error}",
        en_hint: "write it quoted, on the hour or half hour, e.g. delivery_time: \"07:00\"",
    }
    THEME_COLOR_INVALID = "theme-color-invalid" {
        ja: "theme_color「{color}」は #rrggbb の色ではありません",
        ja_hint: "引用符で囲んで書いてください（例: \"#0b6e69\"）",
        en: "theme_color `{color}` is not a colour #rrggbb",
        en_hint: "write it quoted, e.g. \"#0b6e69\"",
    }
    THEME_COLOR_CONTRAST = "theme-color-contrast" {
        ja: "theme_color {color} では白い文字とのコントラストが {ratio}:1 しかありません",
        ja_hint: "JIS X 8341-3（WCAG AA）では 4.5:1 以上が必要です。もっと濃い色にしてください",
        en: "theme_color {color} gives white text a contrast of only {ratio}:1",
        en_hint: "JIS X 8341-3 (WCAG AA) needs at least 4.5:1: choose a darker colour",
    }
    SETTING_EMPTY = "setting-empty" {
        ja: "「{key}」が空です",
        ja_hint: "{limit} 文字以内の1行で書いてください",
        en: "`{key}` is empty",
        en_hint: "write one line of at most {limit} characters",
    }
    SETTING_CONTROL = "setting-control" {
        ja: "「{key}」に改行か制御文字が含まれています",
        ja_hint: "{limit} 文字以内の1行で書いてください",
        en: "`{key}` contains a line break or a control character",
        en_hint: "write one line of at most {limit} characters",
    }
    SETTING_TOO_LONG = "setting-too-long" {
        ja: "「{key}」が {limit} 文字を超えています",
        ja_hint: "{limit} 文字以内の1行で書いてください",
        en: "`{key}` is longer than {limit} characters",
        en_hint: "write one line of at most {limit} characters",
    }
    PHONE_INVALID = "phone-invalid" {
        ja: "contact.phone「{phone}」は電話番号ではありません",
        ja_hint: "数字と「-」で書いてください（例: \"0000-00-0000\"）",
        en: "`contact.phone` `{phone}` is not a phone number",
        en_hint: "write digits with '-', e.g. \"0000-00-0000\"",
    }
    URL_INVALID = "url-invalid" {
        ja: "「{key}」の「{url}」は使えない URL です（https: で始まり、正しいホスト名があり、空白・引用符・山かっこを含まないこと）",
        ja_hint: "設定には https: の URL だけが使えます（例: \"https://www.city.example.jp/kosodate/\"）",
        en: "`{key}`: `{url}` is not an https: URL with a valid host name and without spaces, quotes or angle brackets",
        en_hint: "settings take https: URLs only, e.g. \"https://www.city.example.jp/kosodate/\"",
    }
    BASE_URL_NO_SLASH = "base-url-no-slash" {
        ja: "「{key}」の「{url}」は「/」で終わる必要があります",
        ja_hint: "最後に「/」を付けてください",
        en: "`{key}` `{url}` must end with /",
        en_hint: "add a / at the end",
    }
    EMAIL_INVALID = "email-invalid" {
        ja: "「{key}」の「{address}」はメールアドレスではありません",
        ja_hint: "アドレスを1つだけ書いてください（例: kizuna@city.example.jp）",
        en: "`{key}` `{address}` is not an e-mail address",
        en_hint: "write one address, e.g. kizuna@city.example.jp",
    }
    TEXT_TOO_LONG = "text-too-long" {
        ja: "「{key}」が {limit} 文字を超えています",
        ja_hint: "短くするか、いくつかのメッセージに分けてください",
        en: "`{key}` is longer than {limit} characters",
        en_hint: "shorten it, or split it into several messages",
    }
}
