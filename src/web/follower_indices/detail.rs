//! One follower in full: status, remote and leader, the ten settings (custom ones marked), the
//! problem at the top in plain words, per-shard figures, and a small server-drawn SVG chart of
//! the lag over the last minutes (samples kept by the panel, see `LagHistory`).

use std::time::Instant;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::PrivateCookieJar;
use serde::Deserialize;

use super::list::{FlashView, LicenceNotice, licence_notice};
use crate::ccr::followers::lag_history::{LagSample, WINDOW};
use crate::ccr::followers::settings::SETTINGS;
use crate::ccr::followers::{self, FollowSettings, FollowerDetail, FollowerStatus};
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::{AppError, AppResult};
use crate::web::filters;
use crate::web::flash::{Flash, FlashKey};
use crate::web::{AppState, Screen, ValidQuery, render};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DetailParams {
    /// Set by the create form's redirect: the follower may still be starting.
    pub created: String,
}

/// One setting row: its name, value and whether it differs from the default.
pub struct SettingRow {
    pub name: &'static str,
    pub value: String,
    pub default: &'static str,
    pub custom: bool,
}

/// The lag chart: a polyline in a 300 × 80 box, and the largest lag drawn.
pub struct LagChart {
    pub points: String,
    pub max: u64,
    pub last: u64,
}

pub const CHART_WIDTH: f64 = 300.0;
pub const CHART_HEIGHT: f64 = 80.0;

/// Draws the samples of the last [`WINDOW`], oldest on the left; `None` under two samples.
pub fn chart(samples: &[LagSample], now: Instant) -> Option<LagChart> {
    let recent: Vec<&LagSample> = samples.iter().filter(|s| now.duration_since(s.at) <= WINDOW).collect();
    if recent.len() < 2 {
        return None;
    }
    let max = recent.iter().map(|s| s.lag).max().unwrap_or(0).max(1);
    let window = WINDOW.as_secs_f64();
    let points = recent
        .iter()
        .map(|s| {
            let age = now.duration_since(s.at).as_secs_f64();
            let x = CHART_WIDTH * (1.0 - age / window);
            let y = CHART_HEIGHT - CHART_HEIGHT * (s.lag as f64 / max as f64);
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ");
    Some(LagChart { points, max, last: recent.last().map(|s| s.lag).unwrap_or(0) })
}

#[derive(Template)]
#[template(path = "follower_indices/detail.html")]
struct DetailPage {
    chrome: Chrome,
    name: String,
    /// `None`: not visible yet (just created and still starting).
    follower: Option<FollowerDetail>,
    settings: Vec<SettingRow>,
    /// Paused: whether the panel remembered the settings for the resume.
    remembered: bool,
    chart: Option<LagChart>,
    flash: Option<FlashView>,
    licence: Option<LicenceNotice>,
    starting: bool,
}

impl DetailPage {
    /// The badge's colour: the word says the same.
    fn badge(&self, status: &FollowerStatus) -> &'static str {
        match status {
            FollowerStatus::Active => "ok",
            FollowerStatus::Paused => "muted",
            FollowerStatus::Failing => "bad",
        }
    }

    fn status_key(&self, status: &FollowerStatus) -> String {
        format!("follower-status-{}", status.as_str())
    }

    /// Poll while the follower is starting or replicating; a paused one does not change.
    fn polls(&self) -> bool {
        match &self.follower {
            None => self.starting,
            Some(f) => f.status == FollowerStatus::Active,
        }
    }
}

fn setting_rows(settings: Option<&FollowSettings>) -> Vec<SettingRow> {
    SETTINGS
        .iter()
        .map(|spec| SettingRow {
            name: spec.name,
            value: settings.map(|s| s.text(spec.name)).unwrap_or_default(),
            default: spec.default,
            custom: settings.is_some_and(|s| s.is_custom(spec.name)),
        })
        .collect()
}

pub async fn show_follower(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    headers: HeaderMap,
    Path(name): Path<String>,
    ValidQuery(params): ValidQuery<DetailParams>,
) -> AppResult<Response> {
    // The header's calls and the follower's are independent: asked at once.
    let (chrome, found) =
        tokio::join!(screen.chrome(Nav::FollowerIndices), followers::detail::detail(screen.client(), &name));
    let chrome = chrome?;
    let licence = licence_notice(&chrome);
    let starting = !params.created.is_empty();
    // Without a CCR licence Elasticsearch refuses the follower's info: the page explains instead.
    let follower = if licence.is_some() { None } else { found? };
    if follower.is_none() && !starting && licence.is_none() {
        return Err(AppError::NotFound(format!("/follower-indices/{name}")));
    }
    let mut remembered = false;
    let mut settings = follower.as_ref().and_then(|f| f.settings.clone());
    if let Some(f) = &follower {
        if let Some(lag) = f.lag {
            state.lag_history.record(&screen.cluster.name, Instant::now(), [(f.name.as_str(), lag)]);
        }
        if f.status == FollowerStatus::Paused
            && let Ok(Some(parameters)) = followers::settings_for_resume(screen.client(), &name).await
        {
            remembered = true;
            settings = FollowSettings::from_parameters(&parameters).ok();
        }
    }
    let chart = chart(&state.lag_history.samples(&screen.cluster.name, &name), Instant::now());
    let (jar, flash) = Flash::take(jar, &headers);
    let flash = flash.map(|f| FlashView::new_for(f, &chrome.tr));
    let page = DetailPage {
        chrome,
        name,
        settings: setting_rows(settings.as_ref()),
        follower,
        remembered,
        chart,
        flash,
        licence,
        starting,
    };
    Ok((jar, render(&page)?).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_chart_spans_the_window_and_scales_to_the_largest_lag() {
        let now = Instant::now() + WINDOW;
        let samples = [
            LagSample { at: now - WINDOW, lag: 100 },
            LagSample { at: now - Duration::from_secs(60), lag: 50 },
            LagSample { at: now, lag: 0 },
        ];
        let chart = chart(&samples, now).unwrap();
        assert_eq!(chart.points, "0.0,0.0 280.0,40.0 300.0,80.0");
        assert_eq!((chart.max, chart.last), (100, 0));
        assert!(super::chart(&samples[..1], now).is_none());
    }
}
