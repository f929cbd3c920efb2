//! Follower indices and auto-follow patterns: the lists (managing them comes with the CCR
//! engine of the simulator).

use askama::Template;
use axum::Router;
use axum::response::Html;
use axum::routing::get;

use super::chrome::{Chrome, Nav};
use super::error::AppResult;
use super::{AppState, Screen, render};
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

async fn list_followers(screen: Screen) -> AppResult<Html<String>> {
    let chrome = screen.chrome(Nav::FollowerIndices).await?;
    let followers = followers::list(screen.client()).await?;
    render(&FollowerListPage { chrome, followers })
}

#[derive(Template)]
#[template(path = "auto_follow/list.html")]
struct PatternListPage {
    chrome: Chrome,
    patterns: Vec<NamedAutoFollowPattern>,
}

async fn list_patterns(screen: Screen) -> AppResult<Html<String>> {
    let chrome = screen.chrome(Nav::AutoFollow).await?;
    let patterns = screen.client().auto_follow_patterns().await?;
    render(&PatternListPage { chrome, patterns })
}
