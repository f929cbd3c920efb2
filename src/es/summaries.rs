//! `_ccr/info` as the lists read it: four names a follower, borrowed from the answer, and read
//! one follower at a time where a page needs only a few of thousands.

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::marker::PhantomData;

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

/// One follower of `_ccr/info` filtered with [`FOLLOWER_NAME_FILTER`]: its name alone.
#[derive(Debug, Deserialize)]
pub struct FollowerName<'a> {
    #[serde(borrow)]
    pub follower_index: Cow<'a, str>,
}

/// Reads an answer shaped as [`FollowerSummaries`] (its elements read as `T`: a
/// [`FollowerSummary`] or a [`FollowerName`]), handing each follower to the function as it is
/// read, so that a list of thousands is not held whole
/// ([`super::FollowerSummariesAnswer::for_each`]).
pub(crate) struct EachFollower<T, F>(pub F, pub PhantomData<T>);

impl<T, F> EachFollower<T, F> {
    pub(crate) fn new(each: F) -> Self {
        EachFollower(each, PhantomData)
    }
}

impl<'de, T: Deserialize<'de>, F: FnMut(T)> DeserializeSeed<'de> for EachFollower<T, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>, F: FnMut(T)> Visitor<'de> for EachFollower<T, F> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object with follower_indices")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        // Absent from a filtered answer without followers, as in `FollowerSummaries`.
        while let Some(key) = map.next_key::<String>()? {
            if key == "follower_indices" {
                map.next_value_seed(EachElement(&mut self.0, PhantomData::<T>))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The `follower_indices` array of [`EachFollower`], one element at a time.
struct EachElement<'f, T, F>(&'f mut F, PhantomData<T>);

impl<'de, T: Deserialize<'de>, F: FnMut(T)> DeserializeSeed<'de> for EachElement<'_, T, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>, F: FnMut(T)> Visitor<'de> for EachElement<'_, T, F> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of followers")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(follower) = seq.next_element::<T>()? {
            (self.0)(follower);
        }
        Ok(())
    }
}

/// The `filter_path` of `_ccr/info` for lists: the parameters are left out.
pub const FOLLOWER_SUMMARY_FILTER: &str = "follower_indices.follower_index,follower_indices.remote_cluster,\
    follower_indices.leader_index,follower_indices.status";

/// The `filter_path` of `_ccr/info` where a list needs the followers' names alone (a third of
/// the summaries' bytes).
pub const FOLLOWER_NAME_FILTER: &str = "follower_indices.follower_index";

#[cfg(test)]
mod tests {
    use super::*;

    /// The followers `EachFollower` hands over for `body`, as `name remote leader status`.
    fn each(body: &str) -> Result<Vec<String>, serde_json::Error> {
        let mut seen = Vec::new();
        let mut reader = serde_json::Deserializer::from_str(body);
        EachFollower::new(|s: FollowerSummary<'_>| {
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
    fn names_alone_are_read_from_an_answer_filtered_to_them() {
        let mut names = Vec::new();
        let body = r#"{"follower_indices":[{"follower_index":"a-copy"},{"follower_index":"b\u0041"}]}"#;
        let mut reader = serde_json::Deserializer::from_str(body);
        let each = |f: FollowerName<'_>| {
            names.push((f.follower_index.to_string(), matches!(f.follower_index, Cow::Borrowed(_))))
        };
        EachFollower::new(each).deserialize(&mut reader).unwrap();
        // The second name has an escape: it is copied, the first is borrowed.
        assert_eq!(names, [("a-copy".to_owned(), true), ("bA".to_owned(), false)]);
        let mut reader = serde_json::Deserializer::from_str(r#"{"follower_indices":[{"remote_cluster":"x"}]}"#);
        assert!(EachFollower::new(|_: FollowerName<'_>| ()).deserialize(&mut reader).is_err(), "a name is required");
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
