//! What goes over the wire: pages gzipped when the browser takes gzip (and only then), the
//! static assets sent pre-compressed (brotli or gzip, whichever the browser takes) with the
//! headers that say so.

use std::io::Read;

use ccr_panel::sim::state::AutoFollowPattern;
use ccr_panel::web::{COMPRESS_FROM_BYTES, assets};

use crate::helpers::{Page, get, get_with, panel_for, start_sim};

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).expect("a gzip stream");
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096).read_to_end(&mut out).expect("a brotli stream");
    out
}

/// The raw bytes of an answer (the helpers' `Page` holds text).
async fn raw(panel: &axum::Router, path: &str, headers: &[(&str, &str)]) -> (axum::http::HeaderMap, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut request = axum::http::Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = panel.clone().oneshot(request.body(axum::body::Body::empty()).unwrap()).await.unwrap();
    let headers = response.headers().clone();
    (headers, response.into_body().collect().await.unwrap().to_bytes().to_vec())
}

fn vary(headers: &axum::http::HeaderMap) -> String {
    headers.get_all("vary").iter().map(|v| v.to_str().unwrap().to_ascii_lowercase()).collect::<Vec<_>>().join(", ")
}

/// Auto-follow patterns straight into the simulator's state: enough rows for a page of about
/// 50 KB, far past what is worth compressing.
fn with_patterns(sim: &ccr_panel::sim::SimServer, count: usize) {
    let mut state = sim.sim.state();
    for p in 0..count {
        let body = serde_json::json!({
            "remote_cluster": "leader",
            "leader_index_patterns": [format!("metrics-{p}-*")],
            "leader_index_exclusion_patterns": [],
            "follow_index_pattern": "{{leader_index}}-copy",
        });
        let pattern = AutoFollowPattern { active: true, body, followed: Default::default() };
        state.auto_follow.insert(format!("pattern-{p:03}"), pattern);
    }
}

#[tokio::test]
async fn a_gzip_page_decodes_to_the_page_and_without_accept_encoding_nothing_is_compressed() {
    let sim = start_sim("local").await;
    with_patterns(&sim, 40);
    let panel = panel_for(&sim);
    let path = "/auto-follow-patterns";
    let plain: Page = get(&panel, path).await;
    assert_eq!(plain.status, 200);
    assert!(plain.header("content-encoding").is_none());
    assert_eq!(plain.texts("h1"), ["Auto-follow patterns"]);
    assert!(plain.body.len() > 4 * usize::from(COMPRESS_FROM_BYTES), "{} bytes", plain.body.len());

    let (headers, bytes) = raw(&panel, path, &[("accept-encoding", "gzip, deflate, br, zstd")]).await;
    assert_eq!(headers.get("content-encoding").unwrap(), "gzip");
    assert!(vary(&headers).contains("accept-encoding"), "{}", vary(&headers));
    let decoded = String::from_utf8(gunzip(&bytes)).unwrap();
    // The same page (the CSRF token and the request id differ per answer).
    let strip = |page: &str| page.lines().filter(|l| !l.contains("csrf") && !l.contains("request-id")).count();
    assert_eq!(strip(&decoded), strip(&plain.body));
    let heading: Vec<String> = scraper::Html::parse_document(&decoded)
        .select(&scraper::Selector::parse("h1").unwrap())
        .map(|h| h.text().collect::<String>().trim().to_owned())
        .collect();
    assert_eq!(heading, ["Auto-follow patterns"]);
    assert!(bytes.len() * 2 < decoded.len(), "{} gzipped bytes for {}", bytes.len(), decoded.len());

    // Refused gzip (`q=0`) and an unknown coding only: sent as it is.
    for refused in ["gzip;q=0", "identity", "compress"] {
        let page = get_with(&panel, path, &[("accept-encoding", refused)]).await;
        assert!(page.header("content-encoding").is_none(), "{refused}");
    }
}

#[tokio::test]
async fn a_page_that_fits_in_the_first_round_trip_is_sent_as_it_is() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    // An empty follower list: a few KB, in one round trip compressed or not.
    let (headers, bytes) = raw(&panel, "/follower-indices", &[("accept-encoding", "gzip, deflate, br, zstd")]).await;
    assert!(headers.get("content-encoding").is_none());
    assert!(bytes.len() < usize::from(COMPRESS_FROM_BYTES), "{} bytes", bytes.len());
    let page = String::from_utf8(bytes).unwrap();
    assert!(page.contains("<h1>Follower indices</h1>"), "{page}");
}

#[tokio::test]
async fn static_assets_are_sent_pre_compressed_with_the_right_headers() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    for asset in [&assets::CSS, &assets::HTMX, &assets::APP_JS] {
        // A browser that takes brotli gets it (smaller than gzip on every text asset here).
        let (headers, bytes) = raw(&panel, &asset.url(), &[("accept-encoding", "gzip, deflate, br, zstd")]).await;
        assert_eq!(headers.get("content-encoding").unwrap(), "br", "{}", asset.name);
        assert_eq!(headers.get("content-type").unwrap(), asset.content_type);
        assert_eq!(vary(&headers), "accept-encoding");
        // The embedded bytes, as they are: compressed once at build time, not per request.
        assert_eq!(bytes, asset.brotli, "{}", asset.name);
        assert_eq!(unbrotli(&bytes), asset.bytes, "{}", asset.name);
        assert!(asset.brotli.len() < asset.gzip.len(), "{}", asset.name);
        let brotli_etag = headers.get("etag").unwrap().to_str().unwrap().to_owned();

        // Gzip only, or brotli refused (also when `*` would take it): gzip.
        for offered in ["gzip", "br;q=0, gzip", "br;q=0, *"] {
            let (headers, bytes) = raw(&panel, &asset.url(), &[("accept-encoding", offered)]).await;
            assert_eq!(headers.get("content-encoding").unwrap(), "gzip", "{} {offered}", asset.name);
            assert_eq!(bytes, asset.gzip, "{}", asset.name);
            assert_eq!(gunzip(&bytes), asset.bytes, "{}", asset.name);
        }
        let (gzip_headers, _) = raw(&panel, &asset.url(), &[("accept-encoding", "gzip")]).await;
        let etag = gzip_headers.get("etag").unwrap().to_str().unwrap().to_owned();

        // Both refused by name, `*` notwithstanding: as it is.
        let (refused, _) = raw(&panel, &asset.url(), &[("accept-encoding", "br;q=0, gzip;q=0, *")]).await;
        assert!(refused.get("content-encoding").is_none(), "{}", asset.name);
        let (plain_headers, plain) = raw(&panel, &asset.url(), &[]).await;
        assert!(plain_headers.get("content-encoding").is_none(), "{}", asset.name);
        assert_eq!(vary(&plain_headers), "accept-encoding");
        assert_eq!(plain, asset.bytes);
        // The three forms have different ETags, and any one of them means "unchanged".
        let plain_etag = plain_headers.get("etag").unwrap().to_str().unwrap();
        assert_ne!(plain_etag, etag);
        assert_ne!(brotli_etag, etag);
        assert_ne!(brotli_etag, plain_etag);
        for known in [plain_etag, etag.as_str(), brotli_etag.as_str()] {
            let (_, unchanged) = raw(&panel, &asset.url(), &[("if-none-match", known)]).await;
            assert!(unchanged.is_empty());
        }
    }
}
