//! The error layer: every error page is rendered once, by the layer that holds the request's
//! context, in the reader's language, whether the error was raised in an extractor, in a
//! handler or by the fallback; htmx gets a fragment aimed at the page's alert area.

use crate::helpers::*;

const ZH: &[(&str, &str)] = &[("accept-language", "zh-CN")];

fn in_chinese(page: &Page) -> bool {
    page.attr("html", "lang").as_deref() == Some("zh-CN")
}

#[tokio::test]
async fn an_error_raised_in_an_extractor_is_a_page_in_the_users_language() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let page = get_with(&panel, "/remote-clusters?desc=maybe", ZH).await;
    assert_eq!(page.status, 400);
    assert!(in_chinese(&page), "{}", page.body);
    assert_eq!(page.text("h1"), "无法理解的请求");
    assert!(page.text("main").contains("地址中包含面板无法读取的值"), "{}", page.body);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
}

#[tokio::test]
async fn an_error_raised_in_a_handler_is_a_page_in_the_users_language() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let page = get_with(&panel, "/remote-clusters/nowhere", ZH).await;
    assert_eq!(page.status, 404);
    assert!(in_chinese(&page), "{}", page.body);
    assert_eq!(page.text("h1"), "页面不存在");
    assert!(page.text("main").contains("/remote-clusters/nowhere"));

    let english = get(&panel, "/remote-clusters/nowhere").await;
    assert_eq!(english.attr("html", "lang").as_deref(), Some("en"));
    assert_ne!(english.text("h1"), "页面不存在");
}

#[tokio::test]
async fn the_fallback_answers_with_the_not_found_page_in_the_users_language() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let page = get_with(&panel, "/no-such-screen?x=1", ZH).await;
    assert_eq!(page.status, 404);
    assert!(in_chinese(&page), "{}", page.body);
    assert_eq!(page.text("h1"), "页面不存在");
    assert!(page.text("main").contains("/no-such-screen?x=1"));
    assert!(!page.text(".request-id, main").is_empty());
}

#[tokio::test]
async fn htmx_gets_one_error_fragment_aimed_at_the_alert_area() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let page = get_with(&panel, "/no-such-screen", &[("accept-language", "zh-CN"), ("hx-request", "true")]).await;
    assert_eq!(page.status, 404);
    assert_eq!(page.header("hx-retarget"), Some("#htmx-errors"));
    assert_eq!(page.header("hx-reswap"), Some("innerHTML"));
    assert!(!page.body.contains("<html"), "a fragment, not a page: {}", page.body);
    assert_eq!(page.texts(".alert.error strong"), vec!["页面不存在".to_owned()], "rendered once");
}
