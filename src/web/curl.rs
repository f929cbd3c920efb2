//! The curl line beside every "Show request": one writer, so every screen quotes the same way.
//!
//! Names in a path (a leader index `logs$(id)`, with a backtick; Elasticsearch allows `$`, `(`,
//! `'` and backticks in index names) could run a command inside the double quotes when someone
//! pastes the line, so every path segment is percent-encoded; the query string is the panel's
//! own. The body sits in single quotes, with each `'` in it written as `'\''`.

use super::filters::encode_segment;

/// A path for a shell: every segment percent-encoded, the query kept.
pub fn shell_path(path: &str) -> String {
    let (path, query) = path.split_once('?').map_or((path, None), |(p, q)| (p, Some(q)));
    let mut out = path.split('/').map(encode_segment).collect::<Vec<_>>().join("/");
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// `curl -X METHOD "BASE/PATH" -u "$ES_USER"`, with the body (compact JSON, in the order
/// the Console text shows it) when there is one.
pub fn curl_line(method: &str, base: &str, path: &str, body: Option<&str>) -> String {
    let path = shell_path(path.trim_start_matches('/'));
    let mut curl = format!("curl -X {method} \"{}/{path}\" -u \"$ES_USER\"", base.trim_end_matches('/'));
    if let Some(body) = body {
        let compact = body.replace('\'', r"'\''");
        curl.push_str(&format!(" -H 'Content-Type: application/json' -d '{compact}'"));
    }
    curl
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_in_a_name_or_body_reaches_the_shell() {
        assert_eq!(shell_path("logs$(id)`x`/_ccr/forget_follower"), "logs%24%28id%29%60x%60/_ccr/forget_follower");
        assert_eq!(shell_path("_license/start_trial?acknowledge=true"), "_license/start_trial?acknowledge=true");
        let body = serde_json::json!({"leader_index": "it's"}).to_string();
        assert_eq!(
            curl_line("PUT", "http://es:9200/", "/a'b/_ccr/follow", Some(&body)),
            r#"curl -X PUT "http://es:9200/a%27b/_ccr/follow" -u "$ES_USER" -H 'Content-Type: application/json' -d '{"leader_index":"it'\''s"}'"#
        );
        assert_eq!(
            curl_line("GET", "http://es:9200", "_ccr/stats", None),
            r#"curl -X GET "http://es:9200/_ccr/stats" -u "$ES_USER""#
        );
    }
}
