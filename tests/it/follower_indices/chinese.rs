//! Every follower page in Chinese carries no English sentence from the catalog.

use ccr_panel::ccr::followers;
use ccr_panel::es::FollowParameters;

use crate::helpers::{get_with, panel_for};
use crate::i18n::english_sentences;
use crate::replication::connected_pair;

#[tokio::test]
async fn the_follower_pages_in_chinese_carry_no_english() {
    let (_leader, local, _lc, client) = connected_pair().await;
    followers::follow(&client, "live", "leader", "myindex", FollowParameters::default()).await.unwrap();
    followers::follow(&client, "held", "leader", "myindex", FollowParameters::default()).await.unwrap();
    followers::pause(&client, "held").await;
    let panel = panel_for(&local);
    let english = english_sentences();
    for path in [
        "/follower-indices",
        "/follower-indices/new?remote_cluster=leader",
        "/follower-indices/live",
        "/follower-indices/held",
        "/follower-indices/live/edit",
        "/follower-indices/live/unfollow",
    ] {
        let page = get_with(&panel, path, &[("accept-language", "zh-CN")]).await;
        assert_eq!(page.status, 200, "{path}");
        let text = page.texts("body").join(" ");
        for sentence in &english {
            assert!(!text.contains(sentence.as_str()), "{path} in zh-CN shows English: {sentence}");
        }
    }
}
