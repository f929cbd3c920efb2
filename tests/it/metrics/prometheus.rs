//! The real thing: `promtool` checks a scrape and the alert rules, and a Prometheus server
//! scrapes the panel.
