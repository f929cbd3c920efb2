//! The auto-follow pattern list (the follower index screens are in `follower_indices`).

use askama::Template;
use axum::Router;
use axum::response::Html;
use axum::routing::get;

use super::chrome::{Chrome, Nav};
use super::error::AppResult;
use super::{AppState, Screen, render};
use crate::es::NamedAutoFollowPattern;

pub fn router() -> Router<AppState> {
    Router::new().route("/auto-follow-patterns", get(list_patterns))
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
