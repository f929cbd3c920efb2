//! The outcome of a change travels as a sealed one-shot flash cookie: only one this panel sealed
//! is shown.

use crate::helpers::*;

#[tokio::test]
async fn a_flash_sealed_by_another_panel_or_tampered_with_is_ignored() {
    let sim = start_sim("local").await;
    let flash_of = |page: &Page| -> String {
        let mut cookie = page.headers.get_all("set-cookie").iter().map(|c| c.to_str().unwrap().to_owned());
        let cookie = cookie.find(|c| c.starts_with("ccr_flash=")).expect("a flash cookie");
        cookie.split(';').next().unwrap().to_owned()
    };
    // Two panels, two random session keys: each seals its flash messages with its own.
    let panel = panel_for(&sim);
    let other = panel_for(&sim);
    add_remote(&sim, "a", &["10.0.0.1:9300"]).await;
    add_remote(&sim, "b", &["10.0.0.2:9300"]).await;
    let ours = flash_of(
        &Visitor::new(&panel).post_form("/remote-clusters/delete", &[("names", "a"), ("confirm", "yes")]).await,
    );
    let theirs = flash_of(
        &Visitor::new(&other).post_form("/remote-clusters/delete", &[("names", "b"), ("confirm", "yes")]).await,
    );

    let genuine = get_with(&panel, "/remote-clusters", &[("cookie", &ours)]).await;
    assert_eq!(genuine.text("#flash"), "Remote cluster a was deleted.", "the control: a genuine flash shows");

    let foreign = get_with(&panel, "/remote-clusters", &[("cookie", &theirs)]).await;
    assert!(foreign.texts("#flash").is_empty(), "a flash sealed with another key says nothing");

    // Any changed character breaks the seal.
    let (name, value) = ours.split_once('=').unwrap();
    let mut bytes = value.as_bytes().to_vec();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{name}={}", String::from_utf8(bytes).unwrap());
    let page = get_with(&panel, "/remote-clusters", &[("cookie", &tampered)]).await;
    assert!(page.texts("#flash").is_empty(), "a tampered flash says nothing");
    assert!(
        page.headers.get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("ccr_flash=")),
        "and is removed"
    );
}
