//! Follower indices: the list (auto-follow patterns have their own screen, `auto_follow`).

use askama::Template;
use axum::Router;
use axum::response::Html;
use axum::routing::get;

use super::chrome::{Chrome, Nav};
use super::error::AppResult;
use super::{AppState, Screen, render};
use crate::ccr::followers::{self, FollowerIndex, FollowerStatus};

pub fn router() -> Router<AppState> {
    Router::new().route("/follower-indices", get(list_followers))
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
