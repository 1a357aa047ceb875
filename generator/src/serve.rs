//! `kizuna serve`: a local preview server that rebuilds when content or theme files change.
//!
//! Deliberately small: a single-threaded static file server on 127.0.0.1 and a polling watcher.
//! It is for editors previewing their work, not for production hosting.
//!
//! When a rebuild fails, the old archive stays on disk, but every page answers the error instead
//! (file:line and the message, as Zola and Hugo overlay theirs), so an editor never mistakes the
//! previous build for their edit; the error page reloads itself and becomes the page once fixed.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime};

use walkdir::WalkDir;

/// The newest modification time under the given directories.
pub fn newest_change(dirs: &[&Path]) -> Option<SystemTime> {
    dirs.iter()
        .flat_map(|dir| WalkDir::new(dir).into_iter().filter_map(Result::ok))
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .max()
}

/// Calls `rebuild` whenever a file under `dirs` changes, polling every `interval`.
pub fn watch(dirs: Vec<PathBuf>, interval: Duration, mut rebuild: impl FnMut() + Send + 'static) {
    thread::spawn(move || {
        let paths: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
        let mut last = newest_change(&paths);
        loop {
            thread::sleep(interval);
            let now = newest_change(&paths);
            if now != last {
                last = now;
                rebuild();
            }
        }
    });
}

/// The outcome of the latest build, shared by the watcher that rebuilds and the server.
#[derive(Clone, Debug, Default)]
pub struct BuildStatus(Arc<Mutex<Option<String>>>);

impl BuildStatus {
    /// Records a failed build and its report (diagnostics with file:line, or the error chain).
    pub fn failed(&self, report: String) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(report);
    }

    /// Records a successful build.
    pub fn succeeded(&self) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// The report of the latest build if it failed.
    pub fn failure(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

/// Serves `root` on `listener` until the process ends (or `stop` receives a message, for tests).
pub fn serve(root: &Path, listener: TcpListener, stop: Option<mpsc::Receiver<()>>) -> std::io::Result<()> {
    serve_with_status(root, listener, stop, &BuildStatus::default())
}

/// [`serve`], answering pages with the build error while `status` holds one.
pub fn serve_with_status(
    root: &Path,
    listener: TcpListener,
    stop: Option<mpsc::Receiver<()>>,
    status: &BuildStatus,
) -> std::io::Result<()> {
    listener.set_nonblocking(stop.is_some())?;
    loop {
        if let Some(stop) = &stop {
            if stop.try_recv().is_ok() {
                return Ok(());
            }
        }
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false)?;
                let _ = respond(root, stream, status);
            }
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => thread::sleep(Duration::from_millis(20)),
            Err(error) => return Err(error),
        }
    }
}

/// The page shown instead of every page while the latest build has failed.
pub fn error_page(report: &str) -> String {
    let mut escaped = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = tera::escape_html(report, &mut escaped);
    format!(
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"2\"><title>ビルドエラー — kizuna serve</title></head>\
         <body style=\"font-family:sans-serif;margin:2rem;line-height:1.6\"><main>\
         <h1>ビルドに失敗しました</h1>\
         <p>直前の編集に誤りがあるため、このページはまだ更新されていません。下の場所（ファイル:行）を直して保存すると、\
         自動で再ビルドされ、このページは本来のページに置き換わります。</p>\
         <pre id=\"build-error\" style=\"white-space:pre-wrap;background:#fff3f3;border:1px solid #c00;padding:1rem\">{}</pre>\
         </main></body></html>\n",
        String::from_utf8_lossy(&escaped)
    )
}

fn respond(root: &Path, mut stream: TcpStream, status: &BuildStatus) -> std::io::Result<()> {
    let mut request_line = String::new();
    BufReader::new(&stream).read_line(&mut request_line)?;
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = percent_decode(path.split(['?', '#']).next().unwrap_or("/"));
    let mut file = root.to_path_buf();
    for component in Path::new(path.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => file.push(part),
            _ => {
                return write_response(
                    &mut stream,
                    "400 Bad Request",
                    "text/plain; charset=utf-8",
                    "不正なパスです".as_bytes(),
                )
            }
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    if let Some(report) = status.failure() {
        if content_type(&file).starts_with("text/html") || path.ends_with('/') {
            let page = error_page(&report);
            return write_response(
                &mut stream,
                "500 Internal Server Error",
                "text/html; charset=utf-8",
                page.as_bytes(),
            );
        }
    }
    match fs::read(&file) {
        Ok(bytes) => write_response(&mut stream, "200 OK", content_type(&file), &bytes),
        Err(_) => write_response(
            &mut stream,
            "404 Not Found",
            "text/plain; charset=utf-8",
            "ページが見つかりません".as_bytes(),
        ),
    }
}

fn write_response(stream: &mut TcpStream, status: &str, content_type: &str, body: &[u8]) -> std::io::Result<()> {
    write!(stream, "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n", body.len())?;
    stream.write_all(body)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(value)) => {
                decoded.push(value);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}
