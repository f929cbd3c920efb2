//! Static assets (htmx, the stylesheet), embedded in the binary so one file deploys.
//!
//! URLs carry a content hash (`/static/<hash>/app.css`): a new release changes the URL, so
//! browsers may cache each one for a year, and the hash doubles as the ETag.
//!
//! Each file is also embedded brotli-compressed and gzipped (by `build.rs`, each at its best
//! level): a browser gets the smallest form it accepts as it is, with its `Content-Encoding`
//! (brotli is about 10% smaller than gzip on htmx), and every answer says
//! `Vary: Accept-Encoding` so a shared cache keeps the forms apart. The compression layer of
//! `web::app` leaves an answer that already has a `Content-Encoding` alone.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;

/// One embedded file.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
    /// The same bytes gzipped.
    pub gzip: &'static [u8],
    /// The same bytes brotli-compressed.
    pub brotli: &'static [u8],
    pub hash: u64,
}

/// FNV-1a: tiny, stable across builds, and computable at compile time.
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

macro_rules! asset {
    ($name:literal, $path:literal, $type:literal) => {{
        const BYTES: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/static/", $path));
        const GZIP: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/", $path, ".gz"));
        const BROTLI: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/", $path, ".br"));
        Asset { name: $name, content_type: $type, bytes: BYTES, gzip: GZIP, brotli: BROTLI, hash: fnv1a(BYTES) }
    }};
}

pub static CSS: Asset = asset!("app.css", "app.css", "text/css; charset=utf-8");
/// htmx 2.0.11 from the npm registry (`htmx.org`), BSD Zero Clause License (see vendor/).
pub static HTMX: Asset = asset!("htmx.min.js", "vendor/htmx-2.0.11.min.js", "text/javascript; charset=utf-8");
pub static APP_JS: Asset = asset!("app.js", "app.js", "text/javascript; charset=utf-8");
pub static HTMX_LICENSE: Asset = asset!("htmx-LICENSE.txt", "vendor/htmx-LICENSE.txt", "text/plain; charset=utf-8");

/// The panel's icon, also served at `/favicon.ico` (browsers ask there whatever the page says).
pub static ICON: Asset = asset!("favicon.svg", "favicon.svg", "image/svg+xml");

pub static ALL: [&Asset; 5] = [&CSS, &HTMX, &APP_JS, &HTMX_LICENSE, &ICON];

/// The forms an asset is kept in, as `Content-Encoding` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// The `Content-Encoding` value, and the ETag suffix that keeps the forms apart.
    fn name(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }
}

impl Asset {
    /// The URL to put in pages.
    pub fn url(&self) -> String {
        format!("/static/{:016x}/{}", self.hash, self.name)
    }

    fn bytes_in(&self, encoding: Encoding) -> &'static [u8] {
        match encoding {
            Encoding::Identity => self.bytes,
            Encoding::Gzip => self.gzip,
            Encoding::Brotli => self.brotli,
        }
    }

    /// The smallest form this browser takes (a compressed form only when it is smaller).
    fn encoding_for(&self, headers: &HeaderMap) -> Encoding {
        [(Encoding::Brotli, "br"), (Encoding::Gzip, "gzip")]
            .into_iter()
            .filter(|(encoding, name)| accepts(headers, name) && self.bytes_in(*encoding).len() < self.bytes.len())
            .min_by_key(|(encoding, _)| self.bytes_in(*encoding).len())
            .map_or(Encoding::Identity, |(encoding, _)| encoding)
    }

    /// The ETag of one form: the content hash, and the encoding's name for a compressed form.
    fn etag(&self, encoding: Encoding) -> String {
        match encoding.name() {
            Some(name) => format!("\"{:016x}-{name}\"", self.hash),
            None => format!("\"{:016x}\"", self.hash),
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{hash}/{name}", get(serve_asset)).route("/favicon.ico", get(favicon))
}

/// Whether `Accept-Encoding` takes `coding`: its own entry's weight when the header names it,
/// else the weight of `*` (RFC 9110: `*` stands for the codings not named), and no to both
/// when neither is there. A weight of zero refuses.
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    let (mut named, mut any) = (None, None);
    for offered in
        headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(','))
    {
        let mut parts = offered.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let weight = parts
            .find_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            named = Some(weight);
        } else if name == "*" {
            any = Some(weight);
        }
    }
    named.or(any).is_some_and(|weight| weight > 0.0)
}

/// The asset's bytes for this request, in the smallest form the browser takes, with the
/// headers that say so.
fn body(asset: &Asset, encoding: Encoding) -> Response {
    let mut response = asset.bytes_in(encoding).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(name) = encoding.name() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
    }
    response
}

/// `/favicon.ico`: the icon, cached for a day (its URL never changes with a release).
async fn favicon(headers: HeaderMap) -> Response {
    let mut response = body(&ICON, ICON.encoding_for(&headers));
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    response
}

async fn serve_asset(Path((hash, name)): Path<(String, String)>, uri: axum::http::Uri, headers: HeaderMap) -> Response {
    let Some(asset) = ALL.iter().find(|a| a.name == name) else {
        return super::error::AppError::NotFound(super::path_and_query(&uri)).into_response();
    };
    // One ETag for every form would let a cache answer a gzip request with the plain bytes:
    // each compressed form has its own (any one of them still means "unchanged").
    let encoding = asset.encoding_for(&headers);
    let etag = asset.etag(encoding);
    if let Some(asked) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok())
        && [Encoding::Identity, Encoding::Gzip, Encoding::Brotli].into_iter().any(|e| asked == asset.etag(e))
    {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if let Ok(v) = HeaderValue::from_str(&etag) {
            response.headers_mut().insert(header::ETAG, v);
        }
        return response;
    }
    // An old hash (a page cached across an upgrade) still gets the file, but not for a year.
    let cache = if hash == format!("{:016x}", asset.hash) { "public, max-age=31536000, immutable" } else { "no-cache" };
    let mut response = body(asset, encoding);
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    response
}
