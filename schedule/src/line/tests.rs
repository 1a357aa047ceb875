//! Tests of [`super`]: the push API's shape, the limits, markers and the day's push.
use super::*;

fn text(t: &str) -> LineMessage {
    LineMessage::Text { text: t.to_owned() }
}

fn buttons(uri: &str) -> LineMessage {
    LineMessage::Template {
        alt_text: "登録はこちら".to_owned(),
        template: LineTemplate::Buttons(ButtonsTemplate {
            text: "%%nickname%% 登録してください".to_owned(),
            actions: vec![LineAction::Uri { label: "登録する".to_owned(), uri: uri.to_owned() }],
        }),
    }
}

#[test]
fn payloads_have_the_push_apis_own_shape() {
    let payload = LinePayload { messages: vec![text("a"), buttons("%%register_url%%")] };
    let json = serde_json::to_value(&payload).expect("json");
    assert_eq!(
        json,
        serde_json::json!({ "messages": [
            { "type": "text", "text": "a" },
            { "type": "template", "altText": "登録はこちら", "template": { "type": "buttons",
              "text": "%%nickname%% 登録してください",
              "actions": [ { "type": "uri", "label": "登録する", "uri": "%%register_url%%" } ] } } ] })
    );
    let again: LinePayload = serde_json::from_value(json).expect("round trip");
    assert_eq!(again, payload);
    let wrong = serde_json::json!({ "messages": [ { "type": "template", "altText": "x",
        "template": { "type": "carousel", "text": "x", "actions": [] } } ] });
    assert!(serde_json::from_value::<LinePayload>(wrong).is_err(), "only buttons templates");
}

#[test]
fn limits_count_markers_at_their_longest_and_text_in_utf16_units() {
    assert!(LinePayload { messages: vec![text(&"あ".repeat(MAX_TEXT_UNITS))] }.check().is_ok());
    // 🍎 is two UTF-16 units, as LINE counts it.
    let apples = LinePayload { messages: vec![text(&"🍎".repeat(MAX_TEXT_UNITS / 2 + 1))] };
    assert!(matches!(apples.check(), Err(LineLimitError::TextTooLong { index: 1, .. })));
    let with_marker = format!("{}%%nickname%%", "あ".repeat(MAX_TEXT_UNITS - 10));
    assert!(LinePayload { messages: vec![text(&with_marker)] }.check().is_err());
    assert_eq!(LinePayload::default().check(), Err(LineLimitError::MessageCount(0)));
    let six = LinePayload { messages: vec![text("a"); 6] };
    assert_eq!(six.check(), Err(LineLimitError::MessageCount(6)));
}

#[test]
fn uris_are_https_or_one_url_marker_never_the_nickname() {
    for good in ["%%manage_url%%", "%%register_url%%", "https://kizuna.example.jp/hikari/"] {
        assert!(LinePayload { messages: vec![buttons(good)] }.check().is_ok(), "{good}");
    }
    for bad in ["%%nickname%%", "http://x.example.jp/", "https://x/?a=%%manage_url%%", "javascript:alert(1)"] {
        let error = LinePayload { messages: vec![buttons(bad)] }.check();
        assert!(matches!(error, Err(LineLimitError::Uri { index: 1, .. })), "{bad}: {error:?}");
    }
    let long_label = LineMessage::Template {
        alt_text: "x".to_owned(),
        template: LineTemplate::Buttons(ButtonsTemplate {
            text: "x".to_owned(),
            actions: vec![LineAction::Message { label: "あ".repeat(21), text: "配信停止".to_owned() }],
        }),
    };
    let error = LinePayload { messages: vec![long_label] }.check();
    assert_eq!(error, Err(LineLimitError::Field { index: 1, field: "label", max: MAX_ACTION_LABEL_CHARS }));
}

#[test]
fn fill_replaces_the_closed_list_and_strips_control_characters() {
    let payload =
        LinePayload { messages: vec![text("%%nickname%%\n%%archive_url%% %%other%%"), buttons("%%register_url%%")] };
    let values = LineMarkerValues::default()
        .with(LineMarker::Nickname, "はな\nさん")
        .with(LineMarker::ArchiveUrl, "https://kizuna.example.jp/hikari/")
        .with(LineMarker::RegisterUrl, "https://kizuna.example.jp/hikari/subscribe/line/?token=t");
    let filled = payload.fill(&values);
    assert_eq!(filled.messages[0], text("はなさん\nhttps://kizuna.example.jp/hikari/ %%other%%"));
    let LineMessage::Template { template: LineTemplate::Buttons(template), .. } = &filled.messages[1] else {
        panic!("template")
    };
    assert_eq!(template.text, "はなさん 登録してください");
    assert_eq!(
        template.actions[0],
        LineAction::Uri {
            label: "登録する".to_owned(),
            uri: "https://kizuna.example.jp/hikari/subscribe/line/?token=t".to_owned()
        }
    );
}

#[test]
fn the_days_push_joins_neighbouring_texts_only_when_it_must() {
    let one = LinePayload { messages: vec![text("a"), text("b")] };
    let two = LinePayload { messages: vec![text("c")] };
    assert_eq!(compose_push(&[&one, &two]).expect("fits").messages.len(), 3);
    let many: Vec<LinePayload> = (0..7).map(|i| LinePayload { messages: vec![text(&i.to_string())] }).collect();
    let refs: Vec<&LinePayload> = many.iter().collect();
    let push = compose_push(&refs).expect("joined");
    assert_eq!(push.messages.len(), MAX_MESSAGES_PER_PUSH);
    let all: String = push
        .messages
        .iter()
        .map(|m| match m {
            LineMessage::Text { text } => text.replace("\n\n", ""),
            LineMessage::Template { .. } => String::new(),
        })
        .collect();
    assert_eq!(all, "0123456", "order kept");
    let long: Vec<LinePayload> = (0..6).map(|_| LinePayload { messages: vec![text(&"あ".repeat(4_000))] }).collect();
    let refs: Vec<&LinePayload> = long.iter().collect();
    assert_eq!(compose_push(&refs), Err(LineLimitError::MessageCount(6)));
}

#[test]
fn settings_accept_line_urls_only() {
    let settings = |id: &str, url: &str| LineSettings { basic_id: id.to_owned(), add_friend_url: url.to_owned() };
    assert!(settings("@123abcde", "https://lin.ee/AbCdEf1").check().is_ok());
    assert!(settings("@hikari-kosodate", "https://line.me/R/ti/p/@hikari-kosodate").check().is_ok());
    assert!(matches!(settings("123abcde", "https://lin.ee/x").check(), Err(LineSettingsError::BasicId(_))));
    assert!(matches!(settings("@ab cd", "https://lin.ee/x").check(), Err(LineSettingsError::BasicId(_))));
    let long = format!("https://lin.ee/{}", "a".repeat(MAX_ADD_FRIEND_URL_CHARS));
    for url in [
        "http://lin.ee/x",
        "https://lin.ee/",
        "https://evil.example/lin.ee/x",
        "https://lin.ee/a b",
        "https://lin.ee/a\"b",
        &long,
    ] {
        assert!(matches!(settings("@a", url).check(), Err(LineSettingsError::AddFriendUrl(_))), "{url}");
    }
}

#[test]
fn commands_and_system_kinds_are_closed_lists() {
    assert_eq!(LineCommand::parse(" 配信停止\n"), Some(LineCommand::Stop));
    assert_eq!(LineCommand::parse("登録内容の確認・変更"), Some(LineCommand::Manage));
    assert_eq!(LineCommand::parse("こんにちは"), None);
    let mut stems: Vec<&str> = SystemLine::ALL.iter().map(|k| k.as_str()).collect();
    stems.sort_unstable();
    stems.dedup();
    assert_eq!(stems.len(), SystemLine::ALL.len());
    assert!(SystemLine::Greeting.markers().contains(&LineMarker::RegisterUrl));
    assert!(!SystemLine::Welcome.markers().contains(&LineMarker::RegisterUrl));
    let json = serde_json::to_value(SystemLine::StoppedLoss).expect("json");
    assert_eq!(json, serde_json::json!("stopped-loss"));
}

#[test]
fn the_days_push_puts_each_readers_survey_link_in_its_invitation_only() {
    let message = LinePayload { messages: vec![text("%%nickname%%きょうのメッセージ")] };
    let invitation = LinePayload { messages: vec![text("アンケートのお願い"), buttons("%%survey_url%%")] };
    assert!(invitation.check().is_ok(), "the survey link may stand as a button's URI");
    let link = "https://kizuna.example.jp/api/survey-answers?token=v.k1.hikari.reader.age-0.line.b.1.s";
    let push =
        compose_push(&[PushSection::from(&message), PushSection::invitation(&invitation, link)]).expect("one push");
    let LineMessage::Template { template: LineTemplate::Buttons(template), .. } = &push.messages[2] else {
        panic!("the invitation's buttons: {push:?}")
    };
    assert_eq!(template.actions[0], LineAction::Uri { label: "登録する".to_owned(), uri: link.to_owned() });
    assert_eq!(push.messages[0], text("%%nickname%%きょうのメッセージ"), "the push's markers are filled later");
    // Filling the push's markers afterwards leaves the link alone, and a fill without a link
    // never blanks an invitation that was not composed.
    let filled = push.fill(&LineMarkerValues::default().with(LineMarker::Nickname, "はなさん"));
    assert_eq!(filled.messages[0], text("はなさんきょうのメッセージ"));
    assert!(serde_json::to_string(&filled).expect("json").contains(link));
    assert!(serde_json::to_string(&invitation.fill(&LineMarkerValues::default()))
        .expect("json")
        .contains("%%survey_url%%"));

    // An invitation without a link is refused, not pushed linkless; so is a link that is not https.
    assert_eq!(compose_push(&[&message, &invitation]), Err(LineLimitError::SurveyLinkMissing { index: 2 }));
    let bad = compose_push(&[PushSection::invitation(&invitation, "javascript:alert(1)")]);
    assert!(matches!(bad, Err(LineLimitError::Uri { index: 2, .. })), "{bad:?}");
    // A link given to a section that invites no one changes nothing.
    let plain = compose_push(&[PushSection::invitation(&message, link)]).expect("push");
    assert_eq!(plain.messages, message.messages);
}
