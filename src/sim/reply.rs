//! What a simulated request answers, and Elasticsearch's error envelope.
//!
//! Error bodies follow `{"error":{"root_cause":[..],"type":..,"reason":..},"status":N}`, with the
//! extra fields (`index`, `index_uuid`, `resource.type`...) Elasticsearch adds for each type.

use serde_json::{Map, Value, json};

/// A simulated answer: a status and a JSON body (none for `HEAD`).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    /// Extra response headers (`Allow` on a 405).
    pub headers: Vec<(&'static str, String)>,
    /// A body that is not JSON (content type, bytes): only the fault switch sends one.
    pub raw: Option<(&'static str, String)>,
}

impl Reply {
    pub fn ok(body: Value) -> Reply {
        Reply { status: 200, body: Some(body), headers: Vec::new(), raw: None }
    }
    pub fn with_status(status: u16, body: Value) -> Reply {
        Reply { status, body: Some(body), headers: Vec::new(), raw: None }
    }
    pub fn empty(status: u16) -> Reply {
        Reply { status, body: None, headers: Vec::new(), raw: None }
    }
    pub fn acknowledged() -> Reply {
        Reply::ok(json!({"acknowledged": true}))
    }
}

/// An Elasticsearch exception: its type, reason, status and the extra metadata fields.
#[derive(Debug, Clone, PartialEq)]
pub struct EsException {
    pub status: u16,
    pub error_type: &'static str,
    pub reason: String,
    pub extra: Map<String, Value>,
    pub caused_by: Option<Box<EsException>>,
}

pub type SimResult<T = Reply> = Result<T, EsException>;

impl EsException {
    pub fn new(status: u16, error_type: &'static str, reason: impl Into<String>) -> EsException {
        EsException { status, error_type, reason: reason.into(), extra: Map::new(), caused_by: None }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> EsException {
        self.extra.insert(key.to_owned(), value.into());
        self
    }

    pub fn caused_by(mut self, cause: EsException) -> EsException {
        self.caused_by = Some(Box::new(cause));
        self
    }

    pub fn illegal_argument(reason: impl Into<String>) -> EsException {
        EsException::new(400, "illegal_argument_exception", reason)
    }

    pub fn index_not_found(index: &str) -> EsException {
        EsException::new(404, "index_not_found_exception", format!("no such index [{index}]"))
            .with("resource.type", "index_or_alias")
            .with("resource.id", index)
            .with("index_uuid", "_na_")
            .with("index", index)
    }

    pub fn index_closed(index: &str, uuid: &str) -> EsException {
        EsException::new(400, "index_closed_exception", "closed").with("index_uuid", uuid).with("index", index)
    }

    pub fn already_exists(index: &str, uuid: &str) -> EsException {
        EsException::new(400, "resource_already_exists_exception", format!("index [{index}/{uuid}] already exists"))
            .with("index_uuid", uuid)
            .with("index", index)
    }

    pub fn invalid_index_name(index: &str, why: &str) -> EsException {
        EsException::new(400, "invalid_index_name_exception", format!("Invalid index name [{index}], {why}"))
            .with("index_uuid", "_na_")
            .with("index", index)
    }

    pub fn parse(reason: impl Into<String>) -> EsException {
        EsException::new(400, "parsing_exception", reason)
    }

    /// The body for an unreadable JSON request body.
    pub fn bad_json(detail: &str) -> EsException {
        EsException::new(400, "x_content_parse_exception", format!("[1:1] {detail}"))
    }

    fn fields(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("type".into(), json!(self.error_type));
        map.insert("reason".into(), json!(self.reason));
        map.extend(self.extra.clone());
        map
    }

    fn full(&self) -> Value {
        let mut map = self.fields();
        if let Some(cause) = &self.caused_by {
            map.insert("caused_by".into(), cause.full());
        }
        Value::Object(map)
    }

    /// The innermost cause, which Elasticsearch reports as the root cause.
    fn root(&self) -> &EsException {
        match &self.caused_by {
            Some(cause) => cause.root(),
            None => self,
        }
    }

    pub fn into_reply(self) -> Reply {
        let mut error = self.full();
        error["root_cause"] = json!([Value::Object(self.root().fields())]);
        // Elasticsearch writes root_cause first; serde_json keeps insertion order only with a
        // feature we do not need, and clients do not depend on key order.
        Reply::with_status(self.status, json!({"error": error, "status": self.status}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_matches_the_recorded_example() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/es-examples/error.index_not_found.404.reconstructed.json"
        );
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let recorded: Value = serde_json::from_str(&text).unwrap();
        let ours = EsException::index_not_found("non-existing").into_reply();
        assert_eq!(ours.status, 404);
        assert_eq!(ours.body.unwrap(), recorded);
    }
}
