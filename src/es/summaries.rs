//! `_ccr/info` as the lists read it: four names a follower, borrowed from the answer, and read
//! one follower at a time where a page needs only a few of thousands.

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;

/// `GET /{index}/_ccr/info` filtered with [`FOLLOWER_SUMMARY_FILTER`], borrowed from the answer:
/// a list of thousands is read without a string allocated for each name (a name with an
/// escape in its JSON, which index names do not have, would be copied).
#[derive(Debug, Deserialize)]
pub struct FollowerSummaries<'a> {
    #[serde(borrow, default)]
    pub follower_indices: Vec<FollowerSummary<'a>>,
}

/// One follower of [`FollowerSummaries`].
#[derive(Debug, Deserialize)]
pub struct FollowerSummary<'a> {
    #[serde(borrow)]
    pub follower_index: Cow<'a, str>,
    #[serde(borrow)]
    pub remote_cluster: Cow<'a, str>,
    #[serde(borrow)]
    pub leader_index: Cow<'a, str>,
    /// `active` or `paused`.
    #[serde(borrow)]
    pub status: Cow<'a, str>,
}

/// Reads an answer shaped as [`FollowerSummaries`], handing each follower to the function as it
/// is read, so that a list of thousands is not held whole
/// ([`super::FollowerSummariesAnswer::for_each`]).
pub(crate) struct EachFollowerSummary<F>(pub F);

impl<'de, F: FnMut(FollowerSummary<'de>)> DeserializeSeed<'de> for EachFollowerSummary<F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, F: FnMut(FollowerSummary<'de>)> Visitor<'de> for EachFollowerSummary<F> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object with follower_indices")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        // Absent from a filtered answer without followers, as in `FollowerSummaries`.
        while let Some(key) = map.next_key::<String>()? {
            if key == "follower_indices" {
                map.next_value_seed(EachElement(&mut self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The `follower_indices` array of [`EachFollowerSummary`], one element at a time.
struct EachElement<'f, F>(&'f mut F);

impl<'de, F: FnMut(FollowerSummary<'de>)> DeserializeSeed<'de> for EachElement<'_, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(FollowerSummary<'de>)> Visitor<'de> for EachElement<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of followers")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(summary) = seq.next_element::<FollowerSummary<'de>>()? {
            (self.0)(summary);
        }
        Ok(())
    }
}

/// The `filter_path` of `_ccr/info` for lists: the parameters are left out.
pub const FOLLOWER_SUMMARY_FILTER: &str = "follower_indices.follower_index,follower_indices.remote_cluster,\
    follower_indices.leader_index,follower_indices.status";

#[cfg(test)]
mod tests {
    use super::*;

    /// The followers `EachFollowerSummary` hands over for `body`, as `name remote leader status`.
    fn each(body: &str) -> Result<Vec<String>, serde_json::Error> {
        let mut seen = Vec::new();
        let mut reader = serde_json::Deserializer::from_str(body);
        EachFollowerSummary(|s: FollowerSummary<'_>| {
            let borrowed = matches!(s.follower_index, Cow::Borrowed(_));
            seen.push(format!("{} {} {} {} {borrowed}", s.follower_index, s.remote_cluster, s.leader_index, s.status));
        })
        .deserialize(&mut reader)?;
        reader.end()?;
        Ok(seen)
    }

    #[test]
    fn each_follower_is_handed_over_as_the_whole_answer_reads_it() {
        let body = r#"{"follower_indices":[
            {"follower_index":"a-copy","remote_cluster":"east","leader_index":"a","status":"active"},
            {"status":"paused","leader_index":"b","remote_cluster":"west","follower_index":"b\u0041"}]}"#;
        // The second name has an escape: it is copied, the first is borrowed.
        assert_eq!(each(body).unwrap(), ["a-copy east a active true", "bA west b paused false"]);
        let whole: FollowerSummaries<'_> = serde_json::from_str(body).unwrap();
        assert_eq!(whole.follower_indices.len(), 2);
        // No followers: `filter_path` leaves an empty object. Other keys are skipped.
        assert_eq!(each("{}").unwrap(), Vec::<String>::new());
        let other = r#"{"took":{"a":[1,{}]},"follower_indices":[],"more":null}"#;
        assert_eq!(each(other).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn an_answer_of_another_shape_is_refused() {
        for body in [
            r#"{"follower_indices":{}}"#,
            r#"{"follower_indices":[{"follower_index":"a"}]}"#,
            r#"[]"#,
            r#"{"follower_indices":[]} trailing"#,
            r#"{"follower_indices":["#,
        ] {
            assert!(each(body).is_err(), "{body}");
        }
    }
}
