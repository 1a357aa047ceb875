//! Messages about the LINE channel (issue 17): a municipality's `line:` settings, the theme's LINE
//! texts (`site-theme/system-line.yaml`) and manuscripts that cannot be sent on LINE.

use super::{entries, Entry};

entries! {
    LINE_BASIC_ID = "line-basic-id" {
        ja: "line.basic_id「{value}」はLINE公式アカウントのベーシックIDではありません",
        ja_hint: "@から始まる英数字（例: @123abcde）を、LINE Official Account Manager からそのまま写してください",
        en: "line.basic_id `{value}` is not a LINE Official Account basic id",
        en_hint: "copy the id starting with @ (e.g. @123abcde) from LINE Official Account Manager",
    }
    LINE_ADD_FRIEND_URL = "line-add-friend-url" {
        ja: "line.add_friend_url「{value}」はLINEの友だち追加のURLではありません",
        ja_hint: "https://lin.ee/… か https://line.me/R/ti/p/… のURLを書いてください（QRコードがほかのサイトへ案内しないように、LINEのURLだけを受け付けます）",
        en: "line.add_friend_url `{value}` is not a LINE add-friend URL",
        en_hint: "use an https://lin.ee/… or https://line.me/R/ti/p/… URL (only LINE's own, so the QR code never leads elsewhere)",
    }
    LINE_TEXTS_MISSING = "line-texts-missing" {
        ja: "{municipality}にはLINEの設定がありますが、テーマにLINEメッセージの文がありません",
        ja_hint: "site-theme/system-line.yaml を用意してください",
        en: "{municipality} has LINE settings but the theme has no LINE texts",
        en_hint: "add site-theme/system-line.yaml",
    }
    LINE_TEXTS_UNREADABLE = "line-texts-unreadable" {
        ja: "LINEメッセージの文を読み込めません: {error}",
        ja_hint: "site-theme/system-line.yaml を直してください",
        en: "cannot load the LINE texts: {error}",
        en_hint: "fix site-theme/system-line.yaml",
    }
    LINE_TEXT_MISSING = "line-text-missing" {
        ja: "LINEの「{kind}」メッセージの文がありません",
        ja_hint: "site-theme/system-line.yaml に {kind} を書いてください",
        en: "the text of the LINE `{kind}` message is missing",
        en_hint: "add {kind} to site-theme/system-line.yaml",
    }
    LINE_TEXT_PLACEHOLDER = "line-text-placeholder" {
        ja: "LINEの「{kind}」メッセージに知らない差し込み {{{name}}} があります",
        ja_hint: "使える差し込みは {{municipality}} {{service_name}} {{contact_name}} {{contact_phone}} {{contact_hours}} です",
        en: "the LINE `{kind}` message has an unknown placeholder {{{name}}}",
        en_hint: "placeholders are {{municipality}} {{service_name}} {{contact_name}} {{contact_phone}} {{contact_hours}}",
    }
    LINE_TEXT_MARKER = "line-text-marker" {
        ja: "LINEの「{kind}」メッセージでは {marker} は使えません",
        ja_hint: "この種類で使える記号: {allowed}",
        en: "the LINE `{kind}` message cannot use {marker}",
        en_hint: "markers this kind may use: {allowed}",
    }
    LINE_TEXT_COMMAND = "line-text-command" {
        ja: "LINEの「{kind}」メッセージのボタンが送る「{words}」は、トークの決まった言葉ではありません",
        ja_hint: "使える言葉: {known}",
        en: "a button of the LINE `{kind}` message sends 「{words}」, which is not one of the chat's fixed words",
        en_hint: "the fixed words are: {known}",
    }
    LINE_TEXT_TOO_LONG = "line-text-too-long" {
        ja: "{municipality}のLINEの「{kind}」メッセージはLINEで送れません: {detail}",
        ja_hint: "site-theme/system-line.yaml の文を短くしてください",
        en: "the LINE `{kind}` message of {municipality} cannot be sent on LINE: {detail}",
        en_hint: "shorten the text in site-theme/system-line.yaml",
    }
    LINE_CANNOT_PUSH = "line-cannot-push" {
        ja: "「{id}」はLINEで送れません{with}: {detail}",
        ja_hint: "LINEでは1回に5件まで、1件5,000文字までしか送れません。本文を短くするか、段落に分けてください",
        en: "`{id}` cannot be sent on LINE{with}: {detail}",
        en_hint: "LINE takes at most 5 messages of 5,000 characters in one push: shorten the body or split the paragraph",
    }
    LINE_SECTION_MARKER = "line-section-marker" {
        ja: "「{id}」の本文に {marker} があります",
        ja_hint: "%%…%% は送信側が埋める記号です。原稿では別の書き方にしてください",
        en: "the body of `{id}` contains {marker}",
        en_hint: "%%…%% are markers the sender fills; write the text another way",
    }
}
