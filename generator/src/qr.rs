//! The add-friend QR code of a municipality's LINE official account (issue 17), drawn at build
//! time as inline SVG: the page needs no image service (which would learn every visitor) and no
//! script, and the code scales sharply on any screen and in print.

/// Why a QR code could not be drawn (a URL too long for any QR version).
#[derive(Debug, thiserror::Error)]
#[error("QRコードを作れません（{url}）: {message}")]
pub struct QrError {
    /// The URL.
    pub url: String,
    /// The library's reason.
    pub message: String,
}

/// An inline `<svg>` of the QR code of `url` (error correction M, quiet zone included), labelled
/// for screen readers with `label`.
pub fn svg(url: &str, label: &str) -> Result<String, QrError> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|error| QrError { url: url.to_owned(), message: error.to_string() })?;
    let drawn = code
        .render::<svg::Color<'_>>()
        .min_dimensions(160, 160)
        .dark_color(svg::Color("#000"))
        .light_color(svg::Color("#fff"))
        .build();
    // Inline in HTML: no XML declaration; a role and a name so it is announced as one image.
    let start = drawn.find("<svg").unwrap_or(0);
    let escaped = label.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    Ok(drawn[start..].replacen("<svg ", &format!("<svg class=\"qr\" role=\"img\" aria-label=\"{escaped}\" "), 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dark modules the SVG draws, as a grid of `size`×`size` pixels.
    fn pixels(svg: &str) -> (usize, Vec<bool>) {
        let width: usize = svg
            .split("width=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|w| w.parse().ok())
            .expect("width");
        let mut grid = vec![false; width * width];
        let path = svg.split(" d=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("path");
        // The renderer writes one `M{left} {top}h{w}v{h}H{left}V{top}` per run of dark pixels.
        for run in path.split('M').filter(|r| !r.is_empty()) {
            let numbers: Vec<usize> = run
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .map(|n| n.parse().expect("number"))
                .collect();
            let (left, top, w, h) = (numbers[0], numbers[1], numbers[2], numbers[3]);
            for y in top..top + h {
                for x in left..left + w {
                    grid[y * width + x] = true;
                }
            }
        }
        (width, grid)
    }

    #[test]
    fn an_independent_reader_decodes_the_url_from_the_drawn_svg() {
        let url = "https://lin.ee/AbCdEf1";
        let svg = svg(url, "ひかり市のLINE公式アカウントを友だち追加するQRコード").expect("svg");
        assert!(svg.starts_with("<svg class=\"qr\" role=\"img\" aria-label=\"ひかり市"));
        let (width, grid) = pixels(&svg);
        let mut image =
            rqrr::PreparedImage::prepare_from_greyscale(width, width, |x, y| if grid[y * width + x] { 0 } else { 255 });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().expect("decodes");
        assert_eq!(content, url);
    }

    #[test]
    fn a_url_too_long_for_any_qr_code_is_an_error() {
        assert!(svg(&format!("https://lin.ee/{}", "a".repeat(3_000)), "x").is_err());
    }
}
