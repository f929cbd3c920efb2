//! A bounded load test on loopback: many signed-in sessions at once browse and change the
//! cluster through the panel. Every request must succeed and every change must land. (The
//! figures in the README come from `cargo bench --bench load`, not from this test.)

use std::net::SocketAddr;
use std::time::Duration;

use crate::helpers::*;
use crate::http_session::Session;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_sessions_at_once_lose_nothing() {
    const SESSIONS: usize = 24;
    let sim = start_secured_sim("local").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = panel_signing_in(&sim).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut tasks = Vec::new();
    for i in 0..SESSIONS {
        let mut session = Session::new(http.clone(), &base);
        tasks.push(tokio::spawn(async move {
            let mut statuses = vec![session.get("/login").await];
            statuses
                .push(session.post("/login", &[("username", "admin"), ("password", "admin-pw"), ("next", "/")]).await);
            for path in ["/", "/remote-clusters", "/follower-indices", "/auto-follow-patterns"] {
                statuses.push(session.get(path).await);
            }
            let name = format!("load-{i}");
            let seed = format!("10.0.{}.{}:9300", i / 200, i % 200 + 1);
            statuses.push(session.post("/remote-clusters", &[("name", &name), ("seeds", &seed)]).await);
            statuses.push(session.get(&format!("/remote-clusters/{name}")).await);
            statuses
        }));
    }
    let all = tokio::time::timeout(Duration::from_secs(60), async {
        let mut all = Vec::new();
        for task in tasks {
            all.push(task.await.unwrap());
        }
        all
    })
    .await
    .expect("the load finishes within a minute");
    for statuses in &all {
        assert_eq!(statuses, &[200, 303, 200, 200, 200, 200, 303, 200], "every request succeeded");
    }
    let admin = client(&sim).with_auth(Some(ccr_panel::es::Auth::Basic {
        username: "admin".into(),
        password: secrecy::SecretString::from("admin-pw".to_owned()),
    }));
    let remotes = admin.remote_info().await.unwrap();
    for i in 0..SESSIONS {
        assert!(remotes.contains_key(&format!("load-{i}")), "load-{i} was lost");
    }
    assert_eq!(remotes.len(), SESSIONS);
}
