//! Mappings: given at index creation (`PUT /{index}` with `mappings`), grown by dynamic mapping
//! as documents arrive, and read back with `GET /{index}/_mapping` and `GET /{index}`.
//!
//! The shape differs by version, as in Elasticsearch: 6.x mappings are typed (one type per
//! index, `{"_doc": {"properties": ...}}` in requests and answers), 7.0+ are typeless
//! (`{"properties": ...}`; 7.x still accepts a single `_doc` level at creation). The simulator
//! keeps the typeless root and the 6.x type name beside it. Field definitions are checked only
//! for a known `type`, not for every parameter of every field type.

use serde_json::{Map, Value, json};

use super::super::Sim;
use super::super::reply::{EsException, Reply, SimResult};
use super::super::state::{ClusterState, Index};
use super::Request;
use super::expressions::expand_expression;
use crate::es::Version;

/// Keys a root mapping may hold (others are "unsupported parameters").
const ROOT_KEYS: &[&str] = &[
    "properties",
    "dynamic",
    "_source",
    "_routing",
    "_meta",
    "_field_names",
    "dynamic_templates",
    "date_detection",
    "numeric_detection",
    "dynamic_date_formats",
    "runtime",
    "enabled",
    "_all",
];

/// Field types the simulator accepts (the common ones of the default distribution).
const FIELD_TYPES: &[&str] = &[
    "text",
    "keyword",
    "long",
    "integer",
    "short",
    "byte",
    "double",
    "float",
    "half_float",
    "scaled_float",
    "unsigned_long",
    "date",
    "date_nanos",
    "boolean",
    "binary",
    "object",
    "nested",
    "flattened",
    "ip",
    "geo_point",
    "geo_shape",
    "completion",
    "search_as_you_type",
    "token_count",
    "alias",
    "dense_vector",
    "wildcard",
    "constant_keyword",
    "version",
    "integer_range",
    "long_range",
    "date_range",
    "ip_range",
    "match_only_text",
];

fn mapper_parsing(type_name: &str, reason: String) -> EsException {
    EsException::new(400, "mapper_parsing_exception", format!("Failed to parse mapping [{type_name}]: {reason}"))
        .caused_by(EsException::new(400, "mapper_parsing_exception", reason))
}

fn check_properties(type_name: &str, properties: &Map<String, Value>) -> SimResult<()> {
    for (field, definition) in properties {
        let Some(definition) = definition.as_object() else {
            return Err(mapper_parsing(type_name, format!("Expected map for property [fields] on field [{field}]")));
        };
        match definition.get("type").and_then(Value::as_str) {
            Some(kind) if !FIELD_TYPES.contains(&kind) => {
                return Err(mapper_parsing(
                    type_name,
                    format!("No handler for type [{kind}] declared on field [{field}]"),
                ));
            }
            _ => {}
        }
        if let Some(inner) = definition.get("properties").and_then(Value::as_object) {
            check_properties(type_name, inner)?;
        }
    }
    Ok(())
}

/// Reads the `mappings` of a create-index body into the typeless root and the type name.
pub fn parse(mappings: &Value, version: Version) -> SimResult<(Map<String, Value>, String)> {
    let Some(given) = mappings.as_object() else {
        return Err(EsException::new(400, "mapper_parsing_exception", "Expected map for property [mappings]"));
    };
    if given.is_empty() {
        return Ok((Map::new(), "_doc".to_owned()));
    }
    let (type_name, root) = if version.major < 7 {
        // 6.x: exactly one mapping type, named by the only key.
        let mut types = given.iter();
        let (name, root) = types.next().expect("not empty");
        if types.next().is_some() {
            return Err(EsException::illegal_argument(format!(
                "Rejecting mapping update to [{}] as the final mapping would have more than 1 type: {:?}",
                "index",
                given.keys().collect::<Vec<_>>()
            )));
        }
        (name.clone(), root.as_object().cloned().unwrap_or_default())
    } else if version.major == 7 && given.len() == 1 && given.get("_doc").is_some_and(Value::is_object) {
        ("_doc".to_owned(), given["_doc"].as_object().cloned().unwrap_or_default())
    } else {
        ("_doc".to_owned(), given.clone())
    };
    let unsupported: Vec<String> =
        root.iter().filter(|(k, _)| !ROOT_KEYS.contains(&k.as_str())).map(|(k, v)| format!("{k} : {v}")).collect();
    if !unsupported.is_empty() {
        let reason = format!("Root mapping definition has unsupported parameters:  [{}]", unsupported.join("] ["));
        return Err(mapper_parsing(&type_name, reason));
    }
    if let Some(properties) = root.get("properties").and_then(Value::as_object) {
        check_properties(&type_name, properties)?;
    }
    Ok((root, type_name))
}

/// The field Elasticsearch's dynamic mapping makes for a JSON value (`None` for null).
fn dynamic_field(value: &Value) -> Option<Value> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(_) => json!({"type": "boolean"}),
        Value::Number(n) if n.is_f64() => json!({"type": "float"}),
        Value::Number(_) => json!({"type": "long"}),
        Value::String(_) => json!({"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}),
        Value::Array(items) => return items.iter().find_map(dynamic_field),
        Value::Object(inner) => {
            let mut properties = Map::new();
            add_fields(&mut properties, inner);
            json!({"properties": properties})
        }
    })
}

fn add_fields(properties: &mut Map<String, Value>, source: &Map<String, Value>) {
    for (name, value) in source {
        match properties.get_mut(name) {
            Some(existing) => {
                if let (Some(inner), Value::Object(fields)) = (existing.get_mut("properties"), value)
                    && let Some(inner) = inner.as_object_mut()
                {
                    add_fields(inner, fields);
                }
            }
            None => {
                if let Some(field) = dynamic_field(value) {
                    properties.insert(name.clone(), field);
                }
            }
        }
    }
}

/// Dynamic mapping: fields a document brings that the mapping does not know yet are added,
/// unless the mapping says `"dynamic": false` or `"strict"`.
pub fn grow(index: &mut Index, source: &Value) {
    let Some(source) = source.as_object() else { return };
    let dynamic = index.mappings.get("dynamic").map(|d| d.as_str().map(str::to_owned).unwrap_or(d.to_string()));
    if matches!(dynamic.as_deref(), Some("false" | "strict")) {
        return;
    }
    let properties = index.mappings.entry("properties").or_insert_with(|| json!({}));
    if let Some(properties) = properties.as_object_mut() {
        add_fields(properties, source);
    }
}

/// An index's mapping as answers print it: typeless from 7.0, under its type before.
pub fn rendered(index: &Index, version: Version) -> Value {
    if version.major >= 7 {
        return Value::Object(index.mappings.clone());
    }
    if index.mappings.is_empty() {
        return json!({});
    }
    json!({ index.mapping_type.clone(): index.mappings })
}

/// `GET /{index}/_mapping`.
pub fn get_mapping(sim: &Sim, request: &Request) -> SimResult {
    let state = sim.state();
    let names = expand_expression(&state, request.param(0).unwrap_or("_all"), true)?;
    let mut out = Map::new();
    for name in names {
        let index = state.index(&name)?;
        out.insert(name, json!({"mappings": rendered(index, state.version())}));
    }
    Ok(Reply::ok(Value::Object(out)))
}

/// `GET /{index}`: aliases, mappings and settings of each index.
pub fn get_index(sim: &Sim, request: &Request) -> SimResult {
    let state = sim.state();
    let names = expand_expression(&state, request.param(0).unwrap_or_default(), true)?;
    let flat = request.flag("flat_settings");
    let mut out = Map::new();
    for name in names {
        out.insert(name.clone(), index_body(&state, &name, flat)?);
    }
    Ok(Reply::ok(Value::Object(out)))
}

fn index_body(state: &ClusterState, name: &str, flat: bool) -> SimResult<Value> {
    let index = state.index(name)?;
    let settings = super::indices::rendered_settings(index, flat);
    Ok(json!({
        "aliases": index.aliases,
        "mappings": rendered(index, state.version()),
        "settings": settings,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappings_are_typed_before_7_and_typeless_after() {
        let typed = json!({"_doc": {"properties": {"a": {"type": "keyword"}}}});
        let (root, name) = parse(&typed, Version::new(6, 8, 0)).unwrap();
        assert_eq!((Value::Object(root), name.as_str()), (json!({"properties": {"a": {"type": "keyword"}}}), "_doc"));
        assert!(parse(&typed, Version::new(7, 10, 2)).is_ok(), "7.x still takes one `_doc` level");
        let refused = parse(&typed, Version::new(8, 15, 0)).unwrap_err();
        assert_eq!(refused.error_type, "mapper_parsing_exception");
        assert!(
            refused.reason.contains("Root mapping definition has unsupported parameters:  [_doc : "),
            "{refused:?}"
        );
        let unknown = parse(&json!({"properties": {"a": {"type": "nope"}}}), Version::new(8, 15, 0)).unwrap_err();
        assert!(unknown.reason.ends_with("No handler for type [nope] declared on field [a]"));
    }

    #[test]
    fn documents_grow_the_mapping_unless_it_is_not_dynamic() {
        let mut index = Index::new("u".into(), Default::default());
        grow(&mut index, &json!({"n": 1, "s": "x", "o": {"f": 1.5}, "nothing": null}));
        assert_eq!(index.mappings["properties"]["n"], json!({"type": "long"}));
        assert_eq!(index.mappings["properties"]["s"]["type"], "text");
        assert_eq!(index.mappings["properties"]["o"], json!({"properties": {"f": {"type": "float"}}}));
        assert!(index.mappings["properties"].get("nothing").is_none());
        index.mappings.insert("dynamic".into(), json!("strict"));
        grow(&mut index, &json!({"new": true}));
        assert!(index.mappings["properties"].get("new").is_none());
    }
}
