//! The command line: every command's `--help` names its flags and environment variables.

use std::process::Command;

fn help(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_ccr-panel")).args(args).arg("--help").output().expect("binary runs");
    assert!(output.status.success(), "{args:?} --help failed");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn help_is_complete_for_every_command() {
    let top = help(&[]);
    for command in ["serve", "sim", "demo"] {
        assert!(top.contains(command), "top-level help lists {command}");
    }
    let serve = help(&["serve"]);
    for flag in [
        "--listen",
        "CCR_PANEL_LISTEN",
        "--es-url",
        "CCR_PANEL_ES_URL",
        "--es-username",
        "--es-password",
        "--es-api-key",
        "CCR_PANEL_ES_API_KEY",
        "--es-ca-cert",
        "--es-insecure",
        "--es-timeout",
        "--config",
        "--log-format",
        "CCR_PANEL_LOG_FORMAT",
    ] {
        assert!(serve.contains(flag), "serve --help mentions {flag}");
    }
    let sim = help(&["sim"]);
    for flag in
        ["--listen", "--transport-listen", "--cluster-name", "--version", "--license", "--user", "--node-setting"]
    {
        assert!(sim.contains(flag), "sim --help mentions {flag}");
    }
    assert!(help(&["demo"]).contains("--listen"));
}

#[test]
fn bad_configuration_fails_fast_with_the_reason() {
    let output = Command::new(env!("CARGO_BIN_EXE_ccr-panel"))
        .args(["serve", "--es-url", "https://elastic:secret@example.invalid:9200"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not in the URL"), "{stderr}");
    assert!(!stderr.contains("secret"), "the password is not echoed: {stderr}");
}

#[test]
fn demo_serves_the_panel_and_prints_where() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_ccr-panel"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let url = loop {
        let line = lines.next().expect("the demo prints its URL").unwrap();
        printed.push(line.clone());
        if let Some(rest) = line.strip_prefix("ccr-panel is running at ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    assert!(
        printed.iter().any(|l| l.contains("seed node 127.0.0.1:")),
        "prints the leader's transport address: {printed:?}"
    );
    let body = std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async { reqwest::get(&url).await.unwrap().text().await.unwrap() })
    })
    .join()
    .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(body.contains("data-testid=\"cluster-name\">local<"), "{body}");
}

/// Runs the binary until it prints its URL; returns the child and the URL.
fn start_panel(args: &[&str]) -> (std::process::Child, String, std::sync::mpsc::Receiver<String>) {
    start_panel_with(args, |command| command)
}

/// [`start_panel`], with the command changed first (its environment, say).
fn start_panel_with(
    args: &[&str],
    change: impl FnOnce(&mut Command) -> &mut Command,
) -> (std::process::Child, String, std::sync::mpsc::Receiver<String>) {
    use std::io::{BufRead, BufReader};
    let mut command = Command::new(env!("CARGO_BIN_EXE_ccr-panel"));
    let mut child = change(&mut command)
        .args(args)
        .env("CCR_PANEL_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let url = loop {
        let Ok(line) = received.recv_timeout(std::time::Duration::from_secs(20)) else {
            // Not left running (or starting itself again and again) after the test.
            let _ = child.kill();
            let _ = child.wait();
            panic!("the panel did not start");
        };
        if let Some(rest) = line.strip_prefix("ccr-panel is running at ") {
            break rest.split_whitespace().next().unwrap().trim_end_matches('/').to_owned();
        }
    };
    (child, url, received)
}

fn run_and_fail(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_ccr-panel")).args(args).output().unwrap();
    assert!(!output.status.success(), "{args:?} should refuse to start");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn anonymous_access_is_refused_off_loopback() {
    let message = run_and_fail(&["serve", "--auth", "none", "--listen", "0.0.0.0:0", "--es-url", "http://127.0.0.1:1"]);
    assert!(message.contains("refusing to serve without sign-in on 0.0.0.0:0"), "{message}");
    assert!(message.contains("--allow-anonymous-on-network"), "says how to allow it: {message}");
    let message = run_and_fail(&["serve", "--auth", "proxy", "--es-url", "http://127.0.0.1:1"]);
    assert!(message.contains("--trusted-proxy"), "{message}");
    let message = run_and_fail(&["serve", "--session-key", "short", "--auth", "es", "--es-url", "http://127.0.0.1:1"]);
    assert!(message.contains("at least 32 bytes"), "{message}");
    let message = run_and_fail(&["demo", "--listen", "0.0.0.0:0"]);
    assert!(message.contains("refusing"), "{message}");
}

#[test]
fn a_worker_count_that_is_not_a_number_is_refused_with_the_reason() {
    for value in ["0", "two"] {
        let output = Command::new(env!("CARGO_BIN_EXE_ccr-panel"))
            .args(["serve", "--auth", "none", "--es-url", "http://127.0.0.1:1"])
            .env("TOKIO_WORKER_THREADS", value)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "a refusal, not a panic (101)");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("TOKIO_WORKER_THREADS must be a whole number from 1"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panel_serves_tls_with_hsts_and_secure_cookies() {
    let sim = crate::helpers::start_sim("local").await;
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let cert = format!("{fixtures}/test-cert.pem");
    let key = format!("{fixtures}/test-key.pem");
    let (mut child, url, _) = start_panel(&[
        "serve",
        "--auth",
        "none",
        "--listen",
        "127.0.0.1:0",
        "--es-url",
        &sim.url(),
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
    ]);
    assert!(url.starts_with("https://"), "{url}");
    let ca_file = format!("{fixtures}/test-ca.pem");
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&ca_file).unwrap()).unwrap();
    let https = reqwest::Client::builder().add_root_certificate(ca).build().unwrap();
    let response = https.get(format!("{url}/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["strict-transport-security"], "max-age=31536000");
    let csrf_cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(csrf_cookie.contains("; Secure"), "{csrf_cookie}");

    // The preference cookies (language, cluster) are `Secure` over TLS too.
    let page = scraper::Html::parse_document(&response.text().await.unwrap());
    let token_field = scraper::Selector::parse("input[name=csrf]").unwrap();
    let token = page.select(&token_field).next().and_then(|e| e.value().attr("value"));
    let token = token.expect("the page's forms carry a CSRF token").to_owned();
    let nonce = csrf_cookie.split(';').next().unwrap().to_owned();
    let no_redirects = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(format!("{fixtures}/test-ca.pem")).unwrap()).unwrap(),
        )
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let switched = no_redirects
        .post(format!("{url}/preferences/language"))
        .header("cookie", &nonce)
        .form(&[("csrf", token.as_str()), ("lang", "zh-CN"), ("return_to", "/")])
        .send()
        .await
        .unwrap();
    assert!(switched.status().is_redirection(), "{}", switched.status());
    let lang_cookie = switched.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(lang_cookie.starts_with("ccr_lang=zh-CN") && lang_cookie.contains("Secure"), "{lang_cookie}");

    // The client's private-CA path: trusting the test CA gets past TLS (the panel is not
    // Elasticsearch, which is the next, different error); not trusting it is a TLS error.
    let es_at = |ca: Option<Vec<u8>>| {
        ccr_panel::es::EsClient::new(ccr_panel::es::EsConfig {
            urls: vec![url.parse().unwrap()],
            auth: None,
            ca_cert_pem: ca,
            insecure: false,
            timeout: std::time::Duration::from_secs(5),
        })
        .unwrap()
    };
    let trusted = es_at(Some(std::fs::read(&ca_file).unwrap())).fetch_root().await.unwrap_err();
    assert!(matches!(trusted, ccr_panel::es::EsError::NotElasticsearch { .. }), "{trusted:?}");
    let untrusted = es_at(None).fetch_root().await.unwrap_err();
    assert!(matches!(untrusted, ccr_panel::es::EsError::Tls { .. }), "{untrusted:?}");
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ins_are_audited_without_credentials() {
    let sim = crate::helpers::start_secured_sim("local").await;
    let (mut child, url, lines) =
        start_panel(&["serve", "--auth", "auto", "--listen", "127.0.0.1:0", "--es-url", &sim.url()]);
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let login = http.get(format!("{url}/login")).send().await.unwrap();
    assert_eq!(login.status(), 200, "auto mode found security on the cluster and asks to sign in");
    let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let page = login.text().await.unwrap();
    let token = page.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let form = [("csrf", token.as_str()), ("username", "admin"), ("password", "admin-pw"), ("next", "/")];
    let signed = http.post(format!("{url}/login")).header("cookie", &cookie).form(&form).send().await.unwrap();
    assert_eq!(signed.status(), 303);
    let _ = child.kill();
    let _ = child.wait();
    let log: Vec<String> = lines.try_iter().collect();
    let audit = log.iter().find(|l| l.contains("audit") && l.contains("sign_in")).unwrap_or_else(|| panic!("{log:#?}"));
    assert!(audit.contains("admin") && audit.contains("succeeded"), "{audit}");
    assert!(log.iter().all(|l| !l.contains("admin-pw")), "a password reached the log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_per_line_for_log_shippers() {
    let sim = crate::helpers::start_sim("local").await;
    let (mut child, url, lines) = start_panel(&[
        "serve",
        "--auth",
        "none",
        "--listen",
        "127.0.0.1:0",
        "--es-url",
        &sim.url(),
        "--log-format",
        "json",
    ]);
    let http = reqwest::Client::new();
    let hostile = "x\" outcome=\"succeeded";
    let refused =
        http.post(format!("{url}/preferences/language")).header("x-request-id", hostile).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let _ = child.kill();
    let _ = child.wait();
    let log: Vec<String> = lines.try_iter().collect();
    let objects: Vec<serde_json::Value> =
        log.iter().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect();
    let line = objects
        .iter()
        .find(|o| o["fields"]["message"].as_str().is_some_and(|m| m.contains("CSRF")))
        .unwrap_or_else(|| panic!("{log:#?}"));
    assert_eq!(line["level"], "WARN");
    let id = line["span"]["request_id"].as_str().unwrap();
    assert_eq!(id.len(), 36, "a fresh id replaced the client's: {id}");
    assert!(log.iter().all(|l| !l.contains("outcome")), "the client's id reached the log");
}

/// A client sending its headers a line at a time (slowloris) is cut off after the header
/// read timeout (10 s) instead of holding the connection for ever.
#[test]
fn a_client_that_never_finishes_its_headers_is_cut_off() {
    use std::io::{Read, Write};
    let (mut child, url, _lines) = start_panel(&["demo", "--listen", "127.0.0.1:0"]);
    let address = url.trim_start_matches("http://").to_owned();
    let mut socket = std::net::TcpStream::connect(&address).unwrap();
    socket.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    socket.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let read = socket.read_to_end(&mut answer);
    let _ = child.kill();
    let _ = child.wait();
    let timed_out =
        read.is_err_and(|e| matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut));
    assert!(!timed_out, "the connection is still open after {:?}", started.elapsed());
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
}

/// `serve` starts itself again with glibc's per-thread caches of freed blocks off
/// (`memory::restart_with_serve_tunables`): the same process, with the arguments it was given,
/// serving; an operator's own setting is kept, a process started that way does not start
/// again, and nothing else than `serve` is started again.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_restarts_itself_with_its_allocator_settings_unless_the_operator_chose() {
    use std::os::unix::process::CommandExt;
    let sim = crate::helpers::start_sim("local").await;
    let url = sim.url();
    let serve = ["serve", "--auth", "none", "--listen", "127.0.0.1:0", "--es-url", url.as_str()];
    // `/proc/<pid>/environ` and `cmdline`: NUL-separated.
    let read_fields = |pid: u32, file: &str| -> Vec<String> {
        let bytes = std::fs::read(format!("/proc/{pid}/{file}")).unwrap_or_default();
        bytes.split(|byte| *byte == 0).map(|field| String::from_utf8_lossy(field).into_owned()).collect()
    };
    // What glibc left of the variable: as it parses it at start, glibc 2.36 cuts the process's
    // own copy at the first `:` (every setting still applies).
    let first_setting = |tunables: &str| tunables.split(':').next().unwrap_or_default().to_owned();
    let tunables_of = |pid: u32| -> Vec<String> {
        read_fields(pid, "environ")
            .iter()
            .filter_map(|e| e.strip_prefix("GLIBC_TUNABLES="))
            .map(first_setting)
            .collect()
    };
    let ours = first_setting(ccr_panel::memory::SERVE_TUNABLES);
    const CHOSEN: &str = "glibc.malloc.arena_max=4";
    // The variables set for the panel, and the first allocator setting it then runs with.
    type Environment = &'static [(&'static str, &'static str)];
    let cases: [(Environment, Vec<String>); 4] = [
        (&[], vec![ours]),
        (&[("GLIBC_TUNABLES", CHOSEN)], vec![CHOSEN.to_owned()]),
        (&[("MALLOC_ARENA_MAX", "4")], vec![]),
        (&[("CCR_PANEL_ALLOCATOR_SET", "1")], vec![]),
    ];
    for (environment, expected) in cases {
        let (mut child, panel, _) = start_panel_with(&serve, |command| {
            command.env_remove("GLIBC_TUNABLES").env_remove("MALLOC_ARENA_MAX").arg0("ccr-panel-under-test");
            command.envs(environment.iter().copied())
        });
        let found = tunables_of(child.id());
        let program = read_fields(child.id(), "cmdline").into_iter().next().unwrap_or_default();
        let health = reqwest::get(format!("{panel}/healthz")).await.map(|answer| answer.status());
        // Stopped before the checks, so that a failed one leaves no panel running.
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(found, expected, "with {environment:?}");
        assert_eq!(program, "ccr-panel-under-test", "the name it was started under is kept");
        assert_eq!(health.unwrap(), 200);
    }
    let (mut demo, _, _) = start_panel_with(&["demo", "--listen", "127.0.0.1:0"], |command| {
        command.env_remove("GLIBC_TUNABLES").env_remove("MALLOC_ARENA_MAX")
    });
    let found = tunables_of(demo.id());
    let _ = demo.kill();
    let _ = demo.wait();
    assert!(found.is_empty(), "only serve starts itself again: {found:?}");
}
