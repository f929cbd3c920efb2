//! A browser session over real HTTP (cookies, CSRF token), shared by the load test and the
//! load benchmark (`benches/load.rs` includes this file).

#![allow(dead_code)]

/// One browser session over real HTTP: its cookies and CSRF token.
pub struct Session {
    http: reqwest::Client,
    base: String,
    cookies: Vec<(String, String)>,
    /// The CSRF token of the last page (bound to the cookies: forgotten when they change).
    token: Option<String>,
}

impl Session {
    pub fn new(http: reqwest::Client, base: &str) -> Session {
        Session { http, base: base.to_owned(), cookies: Vec::new(), token: None }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(k, _)| k != name);
            self.token = None;
            self.cookies.push((name.to_owned(), value.to_owned()));
        }
    }

    pub async fn get(&mut self, path: &str) -> u16 {
        let response =
            self.http.get(format!("{}{path}", self.base)).header("cookie", self.cookie_header()).send().await.unwrap();
        self.keep(&response);
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        // The hidden field every page's forms carry: `name="csrf" value="..."`.
        if let Some(rest) = body.split("name=\"csrf\" value=\"").nth(1) {
            self.token = rest.split('"').next().map(str::to_owned);
        }
        status
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> u16 {
        if self.token.is_none() {
            // A public address that renders a page (the 405 page of a POST address).
            self.get("/preferences/language").await;
        }
        let token = self.token.clone().expect("pages carry a CSRF token");
        let mut form = vec![("csrf", token.as_str())];
        form.extend_from_slice(fields);
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(&form)
            .send()
            .await
            .unwrap();
        self.keep(&response);
        response.status().as_u16()
    }
}
