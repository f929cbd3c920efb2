//! Follower indices and auto-follow patterns: the lists (managing them comes with the CCR
//! engine of the simulator).

use askama::Template;
use axum::Router;
use axum::response::Html;
use axum::routing::get;

use super::chrome::{Chrome, Nav};
use super::context::RequestContext;
use super::error::AppResult;
use super::{AppState, Cluster, render};
use crate::ccr::followers::{self, FollowerIndex, FollowerStatus};
use crate::es::NamedAutoFollowPattern;

pub fn router() -> Router<AppState> {
    Router::new().route("/follower-indices", get(list_followers)).route("/auto-follow-patterns", get(list_patterns))
}

#[derive(Template)]
#[template(path = "follower_indices/list.html")]
struct FollowerListPage {
    chrome: Chrome,
    followers: Vec<FollowerIndex>,
}

impl FollowerListPage {
    fn is_active(&self, follower: &FollowerIndex) -> bool {
        follower.status == FollowerStatus::Active
    }
}

async fn list_followers(context: RequestContext, cluster: Cluster) -> AppResult<Html<String>> {
    let chrome = Chrome::load(&context, &cluster, Nav::FollowerIndices).await?;
    let followers = followers::list(&cluster.client).await?;
    render(&FollowerListPage { chrome, followers })
}

#[derive(Template)]
#[template(path = "auto_follow/list.html")]
struct PatternListPage {
    chrome: Chrome,
    patterns: Vec<NamedAutoFollowPattern>,
}

async fn list_patterns(context: RequestContext, cluster: Cluster) -> AppResult<Html<String>> {
    let chrome = Chrome::load(&context, &cluster, Nav::AutoFollow).await?;
    let patterns = cluster.client.auto_follow_patterns().await?;
    render(&PatternListPage { chrome, patterns })
}
