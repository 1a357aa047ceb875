//! The demo's mailbox (`/_mail/`): every mail the emulator captured (moto's
//! `GET /moto-api/data.json`, key `ses` → `RawMessage`), newest first, shown as a family sees it —
//! headers, the HTML part in a sandboxed frame, the text part — with the mail's RFC 8058 one-click
//! unsubscribe as a button that posts exactly what a mail provider posts.

use chrono::NaiveDate;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use mail_parser::MessageParser;

use crate::adapters::ses::compose::escape_html;

/// One captured mail, decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mail {
    /// The decoded subject.
    pub subject: String,
    /// The decoded sender, `name <address>`.
    pub from: String,
    /// The recipient addresses.
    pub to: String,
    /// The raw header block, as sent.
    pub head: String,
    /// The HTML part.
    pub html: Option<String>,
    /// The text part.
    pub text: Option<String>,
    /// The `https:`/`http:` target of `List-Unsubscribe` when `List-Unsubscribe-Post` allows one-click.
    pub one_click: Option<String>,
}

/// Why the mailbox cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum MailboxError {
    /// The endpoint is not `http://host:port`.
    #[error("AWS_ENDPOINT_URL `{0}` is not http://HOST:PORT")]
    Endpoint(String),
    /// The emulator did not answer.
    #[error("{0}")]
    Http(String),
    /// The answer is not moto's data document.
    #[error("moto-api/data.json: {0}")]
    Json(#[from] serde_json::Error),
}

/// Every captured mail, newest first.
pub async fn fetch(emulator: &str) -> Result<Vec<Mail>, MailboxError> {
    let body = get(emulator, "/moto-api/data.json").await?;
    let data: serde_json::Value = serde_json::from_slice(&body)?;
    let raw = data["ses"]["RawMessage"].as_array().cloned().unwrap_or_default();
    Ok(raw.iter().rev().filter_map(|m| m["raw_data"].as_str()).map(decode).collect())
}

async fn get(emulator: &str, path: &str) -> Result<Vec<u8>, MailboxError> {
    let authority = emulator
        .strip_prefix("http://")
        .map(|rest| rest.trim_end_matches('/'))
        .filter(|a| !a.contains('/'))
        .ok_or_else(|| MailboxError::Endpoint(emulator.to_owned()))?;
    let failed = |e: &dyn std::fmt::Display| MailboxError::Http(format!("{emulator}{path}: {e}"));
    let stream = tokio::net::TcpStream::connect(authority).await.map_err(|e| failed(&e))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| failed(&e))?;
    tokio::spawn(connection);
    let request =
        hyper::Request::get(path).header("host", authority).body(Empty::<Bytes>::new()).map_err(|e| failed(&e))?;
    let response = sender.send_request(request).await.map_err(|e| failed(&e))?;
    if !response.status().is_success() {
        return Err(failed(&response.status()));
    }
    let body = response.into_body().collect().await.map_err(|e| failed(&e))?;
    Ok(body.to_bytes().to_vec())
}

/// Decodes one raw mail (a mail that does not parse is shown by its raw text).
pub fn decode(raw: &str) -> Mail {
    let head = raw.split("\r\n\r\n").next().unwrap_or(raw).to_owned();
    let Some(message) = MessageParser::default().parse(raw.as_bytes()) else {
        return Mail {
            subject: "（解析できないメール）".into(), text: Some(raw.to_owned()), head, ..Mail::default()
        };
    };
    let addresses = |list: Option<&mail_parser::Address>| {
        list.map(|a| {
            a.iter()
                .map(|addr| match (addr.name(), addr.address()) {
                    (Some(name), Some(address)) => format!("{name} <{address}>"),
                    (_, Some(address)) => address.to_owned(),
                    (Some(name), None) => name.to_owned(),
                    (None, None) => String::new(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
    };
    let one_click = message
        .header_raw("List-Unsubscribe-Post")
        .filter(|v| v.contains("List-Unsubscribe=One-Click"))
        .and_then(|_| message.header_raw("List-Unsubscribe"))
        .and_then(|value| {
            value
                .split(['<', '>'])
                .map(str::trim)
                .find(|part| part.starts_with("https://") || part.starts_with("http://"))
        })
        .map(str::to_owned);
    Mail {
        subject: message.subject().unwrap_or_default().to_owned(),
        from: addresses(message.from()),
        to: addresses(message.to()),
        head,
        html: message.body_html(0).map(|b| b.into_owned()),
        text: message.body_text(0).map(|b| b.into_owned()),
        one_click,
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;line-height:1.6}\
    article{border:1px solid #ccc;border-radius:.5rem;padding:1rem;margin:1rem 0}\
    iframe{width:100%;height:28rem;border:1px solid #ddd}pre{white-space:pre-wrap;overflow-wrap:anywhere}\
    form{display:inline-block;margin:.25rem .5rem .25rem 0}";

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
         <style>{STYLE}</style></head><body><main><h1>{title}</h1>{body}</main></body></html>\n",
        title = escape_html(title)
    )
}

/// The demo's clock: the form that runs one Japan date's delivery.
fn clock() -> String {
    let tomorrow = kizuna_schedule::japan_today().succ_opt().unwrap_or_else(kizuna_schedule::japan_today);
    format!(
        "<form method=\"post\" action=\"/_mail/run-day\" id=\"run-day\"><label>配信日（日本時間）\
         <input type=\"date\" name=\"date\" value=\"{tomorrow}\" required></label> \
         <button type=\"submit\">この日の配信を実行</button></form>"
    )
}

/// The mailbox page.
pub fn page(mails: &[Mail]) -> String {
    let mut body = format!(
        "<p>デモ用のメールボックスです。エミュレーターが受け取ったメールを新しい順に表示します（{} 通）。\
         実際には送信されていません。</p>{}",
        mails.len(),
        clock()
    );
    for (index, mail) in mails.iter().enumerate() {
        body.push_str(&article(mails.len() - index, mail));
    }
    layout("メールボックス（デモ）", &body)
}

fn article(number: usize, mail: &Mail) -> String {
    let mut out = format!(
        "<article class=\"mail\" id=\"mail-{number}\"><h2 class=\"subject\">{}</h2>\
         <dl><dt>差出人</dt><dd class=\"from\">{}</dd><dt>宛先</dt><dd class=\"to\">{}</dd></dl>",
        escape_html(&mail.subject),
        escape_html(&mail.from),
        escape_html(&mail.to)
    );
    if let Some(url) = &mail.one_click {
        // Exactly what RFC 8058 has a mail provider post: the form field, to the header's URL.
        out.push_str(&format!(
            "<form method=\"post\" action=\"{}\" class=\"one-click\">\
             <input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\
             <button type=\"submit\">ワンクリックで配信停止（List-Unsubscribe）</button></form>",
            escape_html(url)
        ));
    }
    if let Some(html) = &mail.html {
        // Links open in the whole window, as a mail app opens them; scripts stay off.
        let framed = format!("<base target=\"_top\">{html}");
        out.push_str(&format!(
            "<h3>HTML</h3><iframe class=\"html\" title=\"HTML のメール本文\" \
             sandbox=\"allow-top-navigation-by-user-activation allow-popups allow-popups-to-escape-sandbox\" \
             srcdoc=\"{}\"></iframe>",
            escape_html(&framed)
        ));
    }
    if let Some(text) = &mail.text {
        out.push_str(&format!("<h3>テキスト</h3><pre class=\"text\">{}</pre>", escape_html(text)));
    }
    out.push_str(&format!(
        "<details><summary>ヘッダー</summary><pre class=\"head\">{}</pre></details></article>",
        escape_html(&mail.head)
    ));
    out
}

/// The page after a run: its summary and the way back.
pub fn run_page(date: NaiveDate, summary: &str) -> String {
    layout(
        &format!("{date} の配信"),
        &format!(
            "<pre class=\"summary\">{}</pre><p><a href=\"/_mail/\">メールボックスへ</a></p>",
            escape_html(summary)
        ),
    )
}

/// A page with one message.
pub fn message_page(title: &str, message: &str) -> String {
    layout(title, &format!("<p>{}</p>", escape_html(message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: &str = "From: =?UTF-8?B?44GT44KC44KM44Gz?= <kizuna@komorebi.example.jp>\r\n\
        To: hana@example.jp\r\nSubject: =?UTF-8?B?44GT44KT44Gr44Gh44Gv?=\r\n\
        List-Unsubscribe: <http://127.0.0.1:8080/api/unsubscribe?token=abc>\r\n\
        List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n\
        --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nこんにちは <テキスト>\r\n\
        --b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>こんにちは</p>\r\n--b--\r\n";

    #[test]
    fn a_mail_is_decoded_and_shown_escaped_with_its_one_click_button() {
        let mail = decode(RAW);
        assert_eq!(mail.subject, "こんにちは");
        assert_eq!(mail.from, "こもれび <kizuna@komorebi.example.jp>");
        assert_eq!(mail.one_click.as_deref(), Some("http://127.0.0.1:8080/api/unsubscribe?token=abc"));
        assert!(mail.text.as_deref().is_some_and(|t| t.contains("<テキスト>")));
        let page = page(&[mail]);
        assert!(page.contains("action=\"http://127.0.0.1:8080/api/unsubscribe?token=abc\""), "{page}");
        assert!(page.contains("&lt;テキスト&gt;"), "{page}");
        assert!(page.contains("srcdoc=\"&lt;base target=&quot;_top&quot;&gt;&lt;p&gt;"), "{page}");
    }

    #[test]
    fn without_list_unsubscribe_post_there_is_no_one_click_button() {
        let mail = decode(&RAW.replace("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", ""));
        assert_eq!(mail.one_click, None);
        assert!(!page(&[mail]).contains("one-click"));
    }
}
