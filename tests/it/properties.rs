//! Property tests: every parser and validator takes arbitrary input without panicking, and
//! what it accepts round-trips.

use ccr_panel::ccr::remote_clusters::address::SeedAddress;
use ccr_panel::ccr::remote_clusters::spec::{ConnectionSpec, MAX_NAME_BYTES, RemoteClusterName};
use ccr_panel::ccr::units::{ByteSize, TimeValue};
use ccr_panel::config::{parse_duration, parse_urls};
use ccr_panel::es::{ApiError, Capabilities, Version, routes};
use ccr_panel::i18n::{Lang, Tr};
use ccr_panel::sim::{router, settings, validate_index_name};
use ccr_panel::web::remote_clusters::form::RemoteForm;
use ccr_panel::web::remote_clusters::validate::{MAX_SEEDS, check};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn versions_parse_or_refuse(text in ".{0,20}", major in 0u32..100, minor in 0u32..100, patch in 0u32..100) {
        let _ = text.parse::<Version>();
        let version = Version::new(major, minor, patch);
        prop_assert_eq!(version.to_string().parse::<Version>(), Ok(version));
    }

    #[test]
    fn durations_parse_or_refuse(text in ".{0,12}", n in 1u64..100_000) {
        let _ = parse_duration(&text);
        prop_assert_eq!(parse_duration(&format!("{n}ms")).unwrap().as_millis(), u128::from(n));
    }

    #[test]
    fn urls_never_echo_a_password(user in "[a-z]{1,8}", password in "[a-zA-Z0-9@:!]{6,12}", host in "[a-z]{1,10}") {
        let error = parse_urls(&format!("https://{user}:{password}@{host}:9200")).unwrap_err().to_string();
        prop_assert!(!error.contains(&password));
    }

    #[test]
    fn arbitrary_url_lists_do_not_panic(text in ".{0,60}") {
        let _ = parse_urls(&text);
    }

    #[test]
    fn error_bodies_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), status in 100u16..600) {
        let error = ApiError::from_body(status, &bytes);
        prop_assert_eq!(error.status, status);
    }

    #[test]
    fn path_parts_stay_one_segment(part in ".{1,30}") {
        let path = routes::CCR_FOLLOW.fill(&[&part]);
        prop_assert_eq!(path.matches('/').count(), 3, "{}", path);
        prop_assert!(!path.contains('?') && !path.contains('#'));
        // The simulator decodes it back to the same name.
        prop_assert_eq!(&router::segments(&path)[0], &part);
    }

    #[test]
    fn seed_ports_parse_or_refuse(text in ".{0,30}", host in "[a-z0-9.-]{1,20}", port in 1u32..=65535) {
        let _ = settings::parse_port(&text);
        prop_assert_eq!(settings::parse_port(&format!("{host}:{port}")).unwrap(), port);
    }

    #[test]
    fn setting_time_values_parse_or_refuse(text in ".{0,12}") {
        let _ = settings::parse_time(&text);
    }

    #[test]
    fn settings_bodies_flatten_without_panic(text in "\\{.{0,80}") {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) {
            let _ = settings::flatten(&value);
        }
    }

    #[test]
    fn index_names_are_checked_without_panic(name in ".{0,40}") {
        if validate_index_name(&name, Version::new(8, 15, 0)).is_ok() {
            prop_assert_eq!(name.to_lowercase(), name.clone());
            prop_assert!(!name.starts_with('_') && !name.contains(':') && !name.contains('/'));
        }
    }

    #[test]
    fn accept_language_never_panics(header in ".{0,60}") {
        let _ = Lang::from_accept_language(&header);
        let _ = Lang::from_tag(&header);
    }

    #[test]
    fn byte_sizes_round_trip(n in 0u64..1_000_000, unit in prop::sample::select(vec!["b", "kb", "mb", "gb"]), text in ".{0,16}") {
        let _ = text.parse::<ByteSize>();
        let parsed: ByteSize = format!("{n}{unit}").parse().unwrap();
        prop_assert_eq!(parsed.to_string(), format!("{n}{unit}"));
    }

    #[test]
    fn time_values_round_trip(n in 0u64..1_000_000, unit in prop::sample::select(vec!["ms", "s", "m", "h", "d"]), text in ".{0,16}") {
        let _ = text.parse::<TimeValue>();
        let parsed: TimeValue = format!("{n}{unit}").parse().unwrap();
        prop_assert_eq!(parsed.to_string(), format!("{n}{unit}"));
    }

    #[test]
    fn remote_cluster_names_parse_or_refuse(text in ".{0,30}", good in "[a-zA-Z0-9_-]{1,30}") {
        if let Ok(name) = text.parse::<RemoteClusterName>() {
            prop_assert!(name.as_str().chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        }
        let parsed = good.parse::<RemoteClusterName>().unwrap();
        prop_assert_eq!(parsed.as_str(), good.as_str());
    }

    #[test]
    fn seed_addresses_parse_or_refuse_and_round_trip(
        text in ".{0,40}",
        ip in any::<[u8; 4]>(),
        v6 in any::<[u16; 8]>(),
        host in "[a-z][a-z0-9-]{0,10}[a-z0-9](\\.[a-z]{2,5}){0,2}",
        port in 1u16..=65535,
    ) {
        if let Ok(address) = text.parse::<SeedAddress>() {
            prop_assert!(address.port >= 1);
            prop_assert_eq!(address.to_string().parse::<SeedAddress>(), Ok(address));
        }
        let v4 = format!("{}.{}.{}.{}:{port}", ip[0], ip[1], ip[2], ip[3]);
        prop_assert_eq!(v4.parse::<SeedAddress>().unwrap().to_string(), v4);
        let v6 = format!("[{}]:{port}", std::net::Ipv6Addr::from(v6));
        prop_assert_eq!(v6.parse::<SeedAddress>().unwrap().to_string(), v6);
        let named = format!("{host}:{port}");
        prop_assert_eq!(named.parse::<SeedAddress>().unwrap().to_string(), named);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The name validator answers fast and never panics, whatever it is given.
    #[test]
    fn hostile_names_are_judged_in_bounded_time(unit in ".{1,4}", repeat in 1usize..20_000) {
        let text = unit.repeat(repeat);
        let started = std::time::Instant::now();
        let problems = RemoteClusterName::problems(&text);
        prop_assert!(started.elapsed() < std::time::Duration::from_millis(500));
        prop_assert_eq!(problems.is_empty(), text.parse::<RemoteClusterName>().is_ok());
        if text.trim().len() > ccr_panel::ccr::remote_clusters::spec::MAX_NAME_BYTES {
            prop_assert!(!problems.is_empty());
        }
    }

    /// Addresses of any length and content: bounded time, no panic, long ones refused.
    #[test]
    fn hostile_addresses_are_judged_in_bounded_time(unit in "[\\x00-\\x7f]{1,3}", repeat in 1usize..50_000) {
        let text = unit.repeat(repeat);
        let started = std::time::Instant::now();
        let parsed = text.parse::<SeedAddress>();
        prop_assert!(started.elapsed() < std::time::Duration::from_millis(200));
        if text.trim().len() > 259 {
            prop_assert!(parsed.is_err());
        }
        let _ = ccr_panel::ccr::remote_clusters::address::valid_host_name(&text);
    }
}

/// A remote cluster form as a hostile client might send it.
fn hostile_form(name: String, seeds: String, server_name: String, proxy: bool) -> RemoteForm {
    RemoteForm {
        name,
        mode: if proxy { "proxy".into() } else { "sniff".into() },
        seeds,
        proxy_address: "lb.example.com:9400".into(),
        server_name,
        node_connections: "3".into(),
        ..RemoteForm::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// The whole form check: huge seed lists (repeats included), long names, control
    /// characters. It answers in bounded time, never panics, and never accepts past the caps.
    #[test]
    fn hostile_remote_forms_are_checked_in_bounded_time(
        seed in "[0-9a-z.:\\[\\]\\x00-\\x1f]{1,30}",
        copies in 1usize..60_000,
        name_unit in "[a-z \\x00-\\x1f!é]{1,3}",
        name_len in 1usize..3_000,
        server in "[a-z.\\x00-\\x1f]{0,20}",
        proxy in any::<bool>(),
    ) {
        let seeds = (0..copies).map(|i| if i % 2 == 0 { seed.clone() } else { format!("10.0.{}.{}:9300", (i >> 8) & 255, i & 255) }).collect::<Vec<_>>().join("\n");
        let form = hostile_form(name_unit.repeat(name_len), seeds, server.repeat(50), proxy);
        let tr = Tr::new(Lang::En);
        let caps = Capabilities::new(Version::new(8, 15, 0));
        let started = std::time::Instant::now();
        let checked = check(&form, caps, &["taken".to_owned()], &[], false);
        prop_assert!(started.elapsed() < std::time::Duration::from_millis(500), "{:?}", started.elapsed());
        if let Some(spec) = checked.spec {
            prop_assert!(spec.name.as_str().len() <= MAX_NAME_BYTES);
            if let ConnectionSpec::Sniff { seeds, .. } = &spec.connection {
                prop_assert!(seeds.len() <= MAX_SEEDS);
            }
        }
        // Every message is short, whatever was typed.
        for field in ["name", "seeds", "server_name"] {
            for message in checked.errors.rendered(field, &tr) {
                prop_assert!(message.chars().count() < 400, "{}", message);
            }
        }
    }
}
